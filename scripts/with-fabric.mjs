#!/usr/bin/env node
// Runs a command with FABRIC_BIN pointing at a Fabric release folder (bin/ and config/), as a user's
// CI would after unpacking a release archive:
//
//   node scripts/with-fabric.mjs 2.5.12 vitest run --project perf-fabric
//
// FABRIC_BIN already set: it is checked and used as is. Otherwise fabric-<version>-linux-amd64.tar.xz
// is taken from LEDGERBENCH_FABRIC_ARCHIVES, else ../shared/fabric (where test/fabric/support.ts finds
// it too), and unpacked once into node_modules/.cache/ledgerbench/ (LEDGERBENCH_FABRIC_CACHE to put it
// elsewhere; unpacked again only when the archive changes). Without binaries it fails, saying where it looked and how to provide them.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '..');
const [version, ...command] = process.argv.slice(2);
if (!version || !/^\d+\.\d+\.\d+$/.test(version) || command.length === 0) {
  fail('usage: node scripts/with-fabric.mjs <fabric version, e.g. 2.5.12> <command> [args...]');
}

const GET_THEM =
  "Get a Fabric release (fabric-samples' `install-fabric.sh binary`, or https://github.com/hyperledger/fabric/releases) and set FABRIC_BIN to the folder holding bin/ and config/";

const fabricBin = process.env.FABRIC_BIN ? checked(process.env.FABRIC_BIN) : unpacked(version);
process.stderr.write(`[with-fabric] FABRIC_BIN=${fabricBin}\n`);

// As under `npm run`: the project's own tools (vitest) first on PATH.
const env = { ...process.env, FABRIC_BIN: fabricBin, PATH: `${join(REPO, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}` };
const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env });
// Ctrl-C reaches the child through the terminal's process group; a SIGTERM sent to us alone is passed on.
process.on('SIGTERM', () => child.kill('SIGTERM'));
process.on('SIGINT', () => {});
child.on('error', (err) => fail(`cannot run ${command[0]}: ${err.message}`));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

/** A FABRIC_BIN the user set must hold the tools; a wrong one is an error, never silently replaced. */
function checked(dir) {
  const binDir = existsSync(join(dir, 'bin', 'peer')) ? join(dir, 'bin') : dir;
  const missing = ['peer', 'orderer', 'configtxgen', 'cryptogen', 'osnadmin'].filter((t) => !existsSync(join(binDir, t)));
  if (missing.length > 0) fail(`FABRIC_BIN=${dir} has no ${missing.join(', ')} (looked in ${binDir}). ${GET_THEM}.`);
  return dir;
}

/** The release unpacked from its archive, reused while the archive stays the same. */
function unpacked(v) {
  const archives = process.env.LEDGERBENCH_FABRIC_ARCHIVES ?? resolve(REPO, '../shared/fabric');
  const archive = join(archives, `fabric-${v}-linux-amd64.tar.xz`);
  if (!existsSync(archive)) {
    fail(
      `Fabric ${v} binaries are missing: FABRIC_BIN is not set and ${archive} does not exist. This runs real Fabric. ${GET_THEM}, ` +
        `or put fabric-${v}-linux-amd64.tar.xz (unpacking to ${v}/bin and ${v}/config) in LEDGERBENCH_FABRIC_ARCHIVES.`,
    );
  }
  const cache = process.env.LEDGERBENCH_FABRIC_CACHE ?? join(REPO, 'node_modules', '.cache', 'ledgerbench');
  const root = join(cache, `fabric-${v}`);
  const st = statSync(archive);
  const stamp = `${archive} ${st.size} ${st.mtimeMs}\n`;
  const stampFile = join(root, '.unpacked-from');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && existsSync(join(root, v, 'bin', 'peer'))) return join(root, v);
  mkdirSync(cache, { recursive: true });
  // Unpacked beside, then renamed: a run interrupted while unpacking leaves no half release behind.
  const tmp = mkdtempSync(join(cache, `.fabric-${v}-`));
  try {
    execFileSync('tar', ['-xJf', archive, '-C', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (!existsSync(join(tmp, v, 'bin', 'peer'))) throw new Error(`${archive} did not unpack to ${v}/bin/peer`);
    writeFileSync(join(tmp, '.unpacked-from'), stamp);
    rmSync(root, { recursive: true, force: true });
    renameSync(tmp, root);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return join(root, v);
}

function fail(message) {
  process.stderr.write(`[with-fabric] ${message}\n`);
  process.exit(1);
}
