/**
 * Chaincode loaded as a Fabric peer starts it, with its own node_modules: fixtures are copied to a
 * temp folder and get their dependencies from `npm install` there (separate copies of fabric-shim,
 * fabric-contract-api and class-transformer 0.4.1, which has only the renamed instanceToPlain), then
 * run on the embedded network through the real fabric-gateway client. Also: start scripts that run a
 * file calling shim.start(), console output kept in a log per chaincode, and load errors that point
 * at the chaincode's own line.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Network } from '@hyperledger/fabric-gateway';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { fabricLibrariesFor } from '../../src/network/embedded/chaincode-libraries.ts';
import { createCa } from '../../src/network/embedded/identities.ts';
import { startNetwork } from '../../src/network/index.ts';
import type { NetworkHandle } from '../../src/network/types.ts';
import { type Connected, chaincodePath, connectGateway, readConnection, removeTempDirs, tempDir, text, writeNetworkFile } from './helpers.ts';

const run = promisify(execFile);
const ledgerbenchRequire = createRequire(import.meta.url);

/** Copy a fixture into `root` and install its own dependencies there, as a chaincode project has them. */
async function installed(root: string, fixture: string): Promise<string> {
  const dir = join(root, fixture);
  cpSync(chaincodePath(fixture), dir, { recursive: true });
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
  return dir;
}

const network = (name: string, chaincodes: string[]) => `
type: embedded
name: ${name}
organizations:
  - { mspId: Org1MSP, users: 1 }
orderer:
  batchTimeout: 20ms
channels:
  - name: mychannel
    chaincodes:
${chaincodes.map((c) => `      - ${c}`).join('\n')}
`;

describe('chaincode with its own node_modules, started as a Fabric peer starts it', () => {
  const envBefore = process.env.LEDGERBENCH_CHAINCODE_LOGS;
  let root: string;
  let logs: string;
  let asset: string;
  let account: string;
  let throwing: string;
  let handle: NetworkHandle;
  let gw: Connected;
  let channel: Network;
  const output: string[] = [];
  let certPem: string;

  beforeAll(async () => {
    certPem = (await createCa('ca.org1.example.com', 'org1.example.com')).certPem;
    root = tempDir('lb-cc-own-');
    logs = join(root, 'logs');
    process.env.LEDGERBENCH_CHAINCODE_LOGS = logs;
    [asset, account, throwing] = await Promise.all(['asset-objects', 'account-shim', 'throwing-constructor'].map((f) => installed(root, f)));
    const file = writeNetworkFile(
      network('own-deps', [
        `{ name: asset, path: ${asset} }`,
        `{ name: account, path: ${account} }`,
        `{ name: counter-esm, path: ${chaincodePath('counter-esm')} }`,
      ]),
    );
    handle = await startNetwork(file, { log: (line) => output.push(line) });
    gw = connectGateway(readConnection(handle.ref.file!));
    channel = gw.gateway.getNetwork('mychannel');
  });

  afterAll(async () => {
    gw?.close();
    await handle?.stop();
    if (envBefore === undefined) delete process.env.LEDGERBENCH_CHAINCODE_LOGS;
    else process.env.LEDGERBENCH_CHAINCODE_LOGS = envBefore;
    removeTempDirs();
  });

  test('the fixture has copies of its own, and its class-transformer lacks the old classToPlain', () => {
    const own = createRequire(join(asset, 'package.json'));
    expect(realpathSync(own.resolve('fabric-shim'))).not.toBe(realpathSync(ledgerbenchRequire.resolve('fabric-shim')));
    expect(realpathSync(own.resolve('fabric-contract-api'))).not.toBe(realpathSync(ledgerbenchRequire.resolve('fabric-contract-api')));
    const ct = createRequire(own.resolve('fabric-contract-api'))('class-transformer') as Record<string, unknown>;
    expect(typeof ct.instanceToPlain).toBe('function');
    expect(ct.classToPlain).toBeUndefined();
  });

  test("the per-process tuning is applied to the chaincode's copy, once", () => {
    const levelBefore = process.env.CORE_CHAINCODE_LOGGING_LEVEL;
    try {
      const libs = fabricLibrariesFor(asset);
      expect(realpathSync(libs.shimDir)).toBe(realpathSync(join(asset, 'node_modules', 'fabric-shim')));
      expect(fabricLibrariesFor(asset)).toBe(libs);
      const shimRequire = createRequire(join(libs.shimDir, 'package.json'));
      expect((shimRequire('./lib/logger.js') as { getLogger(n: string): { silent: boolean } }).getLogger('t').silent).toBe(levelBefore === undefined);
      const { Certificate } = shimRequire('@fidm/x509') as { Certificate: { fromPEM(pem: string): unknown } };
      expect(Certificate.fromPEM(certPem)).toBe(Certificate.fromPEM(certPem));
      const ct = createRequire(join(libs.contractApiDir, 'package.json'))('class-transformer') as Record<string, unknown>;
      expect(ct.classToPlain).toBe(ct.instanceToPlain);
      expect(ct.plainToClass).toBe(ct.plainToInstance);
    } finally {
      if (levelBefore === undefined) delete process.env.CORE_CHAINCODE_LOGGING_LEVEL;
    }
  });

  test("the contract runs on the chaincode's own fabric-shim", async () => {
    const who = JSON.parse(text(await channel.getContract('asset').evaluateTransaction('WhoAmI')));
    expect(who).toEqual({ mspId: 'Org1MSP', fromOwnFabricShim: true });
  });

  test('functions returning objects, arrays and Buffers answer with their JSON', async () => {
    const contract = channel.getContract('asset');
    const created = JSON.parse(text(await contract.submitTransaction('CreateAsset', 'a1', 'red', 'tom', '5')));
    expect(created).toEqual({ id: 'a1', color: 'red', owner: 'tom', value: 5 });
    expect(JSON.parse(text(await contract.evaluateTransaction('ReadAsset', 'a1')))).toEqual(created);
    expect(JSON.parse(text(await contract.evaluateTransaction('ListAssets')))).toEqual([created]);
    const bytes = JSON.parse(text(await contract.evaluateTransaction('ReadAssetBytes', 'a1')));
    expect(bytes.type).toBe('Buffer');
    expect(JSON.parse(Buffer.from(bytes.data).toString())).toEqual(created);
    expect(text(await contract.evaluateTransaction('AssetExists', 'a1'))).toBe('true');
  });

  test('a start script `node account.js` whose file calls shim.start() serves transactions', async () => {
    const contract = channel.getContract('account');
    expect(text(await contract.submitTransaction('open', 'alice', '10'))).toBe('opened');
    expect(text(await contract.submitTransaction('open', 'bob', '0'))).toBe('opened');
    expect(text(await contract.submitTransaction('transfer', 'alice', 'bob', '4'))).toBe('transferred');
    expect(text(await contract.evaluateTransaction('query', 'bob'))).toBe('4');
    await expect(contract.submitTransaction('transfer', 'alice', 'bob', '100')).rejects.toThrow(/account alice has 6, less than 100/);
  });

  test('an ES module chaincode that starts itself runs (with the fallback copy of the repository)', async () => {
    const contract = channel.getContract('counter-esm');
    expect(text(await contract.submitTransaction('increment', 'k'))).toBe('1');
    expect(text(await contract.submitTransaction('increment', 'k'))).toBe('2');
  });

  test("console output goes to each chaincode's log file, which is named once at start, not to the network's output", async () => {
    await channel.getContract('asset').evaluateTransaction('ListAssets');
    expect(output).toContain(`chaincode logs (their console output): ${logs}`);
    expect(readFileSync(join(logs, 'asset.log'), 'utf8')).toMatch(/ info created asset a1 for tom\n/);
    expect(readFileSync(join(logs, 'asset.log'), 'utf8')).toMatch(/ log listed 1 assets\n/);
    expect(readFileSync(join(logs, 'account.log'), 'utf8')).toMatch(/ error transfer failed: account alice has 6, less than 100\n/);
    expect(readFileSync(join(logs, 'counter-esm.log'), 'utf8')).toMatch(/ debug counter k is now 2\n/);
    expect(output.join('\n')).not.toMatch(/created asset|transfer failed|counter k/);
  });

  test("with CORE_CHAINCODE_LOGGING_LEVEL set, the shim's own log lines go to the chaincode's log too", async () => {
    const lines: string[] = [];
    const levelBefore = process.env.CORE_CHAINCODE_LOGGING_LEVEL;
    process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'INFO';
    let loud: NetworkHandle;
    try {
      loud = await startNetwork(writeNetworkFile(network('loud', [`{ name: loud-asset, path: ${asset} }`])), { log: (l) => lines.push(l) });
    } finally {
      if (levelBefore === undefined) delete process.env.CORE_CHAINCODE_LOGGING_LEVEL;
      else process.env.CORE_CHAINCODE_LOGGING_LEVEL = levelBefore;
    }
    await loud.stop();
    expect(readFileSync(join(logs, 'loud-asset.log'), 'utf8')).toMatch(/\[c-api:contracts-spi\/bootstrap\.js\] +No metadata file supplied/);
    expect(lines.join('\n')).not.toMatch(/c-api:/);
  });

  test('a contract whose constructor throws: the error names its file and line, its folder and what it printed', async () => {
    const file = writeNetworkFile(network('throwing', [`{ name: configured, path: ${throwing} }`]));
    const err = (await startNetwork(file).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.field).toBe('channels[0].chaincodes[0].path');
    expect(err.message).toContain('ASSET_LIMIT_FOR_FIXTURE is not set to a whole number');
    expect(err.message).toContain(`at new ConfiguredContract (${join(throwing, 'index.js')}:11:`);
    expect(err.message).toContain(`chaincode folder: ${throwing}`);
    expect(err.message).toContain(`last lines of its log ${join(logs, 'configured.log')}:\n    | reading the contract configuration`);
    expect(err.fix).toMatch(/fix the chaincode where the frame above points/);
  });

  test('a contract of a fabric-contract-api other than its fabric-shim\'s runs, as fabric-shim accepts it', async () => {
    const dir = join(root, 'contract-api-only');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'contract-api-only', main: 'index.js', dependencies: { 'fabric-contract-api': '2.5.8' } }));
    writeFileSync(
      join(dir, 'index.js'),
      "const { Contract } = require('fabric-contract-api');\nclass Echo extends Contract {\n  async Echo(ctx, word) {\n    return { word };\n  }\n}\nmodule.exports.contracts = [Echo];\n",
    );
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir });
    const other = await startNetwork(writeNetworkFile(network('contract-api-only', [`{ name: echo, path: ${dir} }`])));
    const client = connectGateway(readConnection(other.ref.file!));
    try {
      const echo = client.gateway.getNetwork('mychannel').getContract('echo');
      expect(JSON.parse(text(await echo.evaluateTransaction('Echo', 'hi')))).toEqual({ word: 'hi' });
    } finally {
      client.close();
      await other.stop();
    }
  });

  test('a chaincode file that throws at its top level: the error names its file and line', async () => {
    const dir = join(root, 'top-level-throw');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'top-level-throw', scripts: { start: 'node chaincode.js' } }));
    writeFileSync(join(dir, 'chaincode.js'), "'use strict';\nconsole.log('connecting to the pricing service');\nthrow new TypeError('PRICING_URL is not set');\n");
    const file = writeNetworkFile(network('top-level', [`{ name: pricing, path: ${dir} }`]));
    const err = (await startNetwork(file).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(`${join(dir, 'chaincode.js')} (package.json scripts.start "node chaincode.js") threw while loading: TypeError: PRICING_URL is not set`);
    expect(err.message).toContain(`${join(dir, 'chaincode.js')}:3:`);
    expect(err.message).toContain('| connecting to the pricing service');
  });

  test('a start script whose file neither starts a chaincode nor exports one: the error names package.json scripts.start and the fix', async () => {
    const dir = join(root, 'starts-nothing');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'starts-nothing', scripts: { start: 'node chaincode.js' } }));
    writeFileSync(join(dir, 'chaincode.js'), "console.log('configured, not started');\n");
    const file = writeNetworkFile(network('nothing', [`{ name: nothing, path: ${dir} }`]));
    const err = (await startNetwork(file).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(`${join(dir, 'chaincode.js')} (package.json scripts.start "node chaincode.js") neither called shim.start(chaincode) while loading`);
    expect(err.message).toContain('| configured, not started');
    expect(err.fix).toContain("call require('fabric-shim').start(new Chaincode()) at load");
  });
});
