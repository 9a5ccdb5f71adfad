/**
 * How a Node chaincode folder runs as a chaincode service, decided from its package.json `start`
 * script as Fabric's Node chaincode image decides how to start it (`npm start`):
 *
 * - `fabric-chaincode-node start` (fabric-contract-api): fabric-shim's own `fabric-chaincode-node
 *   server`, which bootstraps the contracts as a server instead of dialling the peer;
 * - `node <file>` (low-level fabric-shim that calls `shim.start(chaincode)`): that call dials the
 *   peer and has no server mode, so a small bootstrap runs the file with `shim.start` answered by
 *   `shim.server(chaincode, { ccid, address })`. The chaincode itself stays unmodified.
 *
 * Both resolve fabric-shim from the chaincode's folder, so the chaincode's own node_modules win.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** How to start one chaincode folder as a service. */
export type ServiceKind = { kind: 'contract' } | { kind: 'shim'; entry: string };

/** Reads the chaincode's start script; undefined when it is neither of the two shapes above. */
export function serviceKind(chaincodeDir: string): ServiceKind | undefined {
  const pkg = JSON.parse(readFileSync(join(chaincodeDir, 'package.json'), 'utf8')) as { scripts?: { start?: unknown } };
  const start = typeof pkg.scripts?.start === 'string' ? pkg.scripts.start.trim() : '';
  if (/^fabric-chaincode-node\s+start\b/.test(start)) return { kind: 'contract' };
  const m = /^node\s+(\S+\.[cm]?js)\b/.exec(start);
  if (m) return { kind: 'shim', entry: resolve(chaincodeDir, m[1]) };
  return undefined;
}

/** What `serviceKind` accepts, for error messages. */
export const START_SCRIPT_SHAPES = '`"start": "fabric-chaincode-node start"` (fabric-contract-api) or `"start": "node <file>.js"` (fabric-shim calling shim.start)';

// Arguments: <chaincode entry file>. Environment: CHAINCODE_SERVER_ADDRESS, CORE_CHAINCODE_ID_NAME
// (the names Fabric's chaincode-as-a-service samples use).
const SHIM_BOOTSTRAP = `'use strict';
// Written by ledgerbench: runs a low-level fabric-shim chaincode, unmodified, as a chaincode service.
const { createRequire } = require('node:module');
const entry = process.argv[2];
const address = process.env.CHAINCODE_SERVER_ADDRESS;
const ccid = process.env.CORE_CHAINCODE_ID_NAME;
const shim = createRequire(entry)('fabric-shim');
let served = false;
shim.start = function start(chaincode) {
  if (served) throw new Error('ledgerbench: shim.start was called twice');
  served = true;
  const server = shim.server(chaincode, { ccid, address });
  server.start().catch((err) => {
    console.error('ledgerbench: the chaincode server failed: ' + (err && err.stack ? err.stack : err));
    process.exit(1);
  });
  console.log('ledgerbench: chaincode ' + ccid + ' serving on ' + address);
  return server;
};
require(entry);
setTimeout(() => {
  if (!served) {
    console.error('ledgerbench: ' + entry + ' did not call shim.start(chaincode) within 10s');
    process.exit(1);
  }
}, 10000).unref();
`;

/** The command line (node arguments and environment) that serves `chaincodeDir` at `address`. */
export function serviceCommand(chaincodeDir: string, kind: ServiceKind, packageId: string, address: string, bootstrapDir: string): { args: string[]; env: NodeJS.ProcessEnv } {
  const env = { ...process.env, CORE_CHAINCODE_ID_NAME: packageId, CHAINCODE_SERVER_ADDRESS: address };
  if (kind.kind === 'contract') {
    return { args: [shimCli(chaincodeDir), 'server', '--chaincode-address', address, '--chaincode-id', packageId, '--module-path', chaincodeDir], env };
  }
  const bootstrap = join(bootstrapDir, 'shim-server.cjs');
  writeFileSync(bootstrap, SHIM_BOOTSTRAP, { mode: 0o644 });
  return { args: [bootstrap, kind.entry], env };
}

/** fabric-shim's CLI as the chaincode itself resolves it. */
function shimCli(chaincodeDir: string): string {
  const req = createRequire(join(chaincodeDir, 'package.json'));
  try {
    return join(dirname(req.resolve('fabric-shim/package.json')), 'cli.js');
  } catch {
    throw new Error(`${chaincodeDir}: fabric-shim cannot be resolved from the chaincode folder; run \`npm install\` there (its package.json must depend on fabric-shim and fabric-contract-api)`);
  }
}
