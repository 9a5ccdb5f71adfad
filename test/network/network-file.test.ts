/** The network file: defaults, the policy language, and errors that name file, field and fix. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadNetworkFile, parseSignaturePolicy } from '../../src/config/network-file.ts';
import { createCa } from '../../src/network/embedded/identities.ts';
import { networkDown, networkUp, startNetwork } from '../../src/network/index.ts';
import { chaincodePath, readConnection, removeTempDirs, tempDir, writeNetworkFile } from './helpers.ts';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const minimal = (extra = '', chaincode = `{ name: counter, path: ${chaincodePath('counter')} }`) => `
type: embedded
organizations:
  - mspId: Org1MSP
  - mspId: Org2MSP
channels:
  - name: mychannel
    chaincodes:
      - ${chaincode}
${extra}`;

describe('network file', () => {
  afterAll(removeTempDirs);

  test('the shipped embedded.yaml loads, with its chaincodes resolved against the file', () => {
    const cfg = loadNetworkFile(resolve(import.meta.dirname, '../../networks/embedded.yaml'));
    if (cfg.type !== 'embedded') throw new Error('expected embedded');
    expect(cfg.organizations.map((o) => o.mspId)).toEqual(['Org1MSP', 'Org2MSP']);
    expect(cfg.channels[0].chaincodes.map((c) => c.name)).toEqual(['simple', 'asset-transfer', 'counter', 'waetcc', 'kv-shim']);
    expect(cfg.channels[0].chaincodes[0].path).toBe(chaincodePath('simple'));
    expect(cfg.orderer.batchTimeoutMs).toBe(250);
  });

  test("defaults mirror Fabric's test network", () => {
    const cfg = loadNetworkFile(writeNetworkFile(minimal()));
    if (cfg.type !== 'embedded') throw new Error('expected embedded');
    expect(cfg.orderer).toEqual({ batchSize: { maxMessageCount: 10, absoluteMaxBytes: 103809024, preferredMaxBytes: 524288 }, batchTimeoutMs: 2000 });
    expect(cfg.verifySignatures).toBe(true);
    expect(cfg.tls).toBe(false);
    expect(cfg.organizations[0]).toMatchObject({ peers: 1, users: 4 });
    // Fabric's default MAJORITY Endorsement: both of two organizations.
    expect(cfg.channels[0].chaincodes[0].policy).toEqual(parseSignaturePolicy("AND('Org1MSP.peer','Org2MSP.peer')"));
  });

  test('YAML merge keys are expanded, as in Caliper network files', () => {
    const text = `
type: embedded
organizations:
  - &org { mspId: Org1MSP, peers: 2, users: 3 }
  - { <<: *org, mspId: Org2MSP, peers: 1 }
channels:
  - name: mychannel
    chaincodes:
      - { name: counter, path: ${chaincodePath('counter')} }
`;
    const cfg = loadNetworkFile(writeNetworkFile(text));
    if (cfg.type !== 'embedded') throw new Error('expected embedded');
    expect(cfg.organizations.map((o) => [o.mspId, o.peers, o.users])).toEqual([
      ['Org1MSP', 2, 3],
      ['Org2MSP', 1, 3],
    ]);
  });

  test('a YAML syntax error in a network file names its line', () => {
    const err = configError(() => loadNetworkFile(writeNetworkFile('type: embedded\norganizations: [\n')));
    expect(err.message).toMatch(/line \d+, column \d+: YAML syntax error/);
  });

  test('a file without type: embedded is a connection profile with Caliper commands', () => {
    const cfg = loadNetworkFile(writeNetworkFile('name: Fabric\ncaliper:\n  blockchain: fabric\n  command:\n    start: "true"\n    end: "true"\n'));
    expect(cfg).toMatchObject({ type: 'profile', commands: { start: 'true', end: 'true' } });
  });

  test('policy syntax', () => {
    expect(parseSignaturePolicy("OutOf(2, 'A.peer', \"B.member\", OR('C.admin','D.client'))")).toEqual({
      type: 'outOf',
      n: 2,
      rules: [
        { type: 'principal', mspId: 'A', role: 'peer' },
        { type: 'principal', mspId: 'B', role: 'member' },
        {
          type: 'outOf',
          n: 1,
          rules: [
            { type: 'principal', mspId: 'C', role: 'admin' },
            { type: 'principal', mspId: 'D', role: 'client' },
          ],
        },
      ],
    });
    expect(() => parseSignaturePolicy("AND('Org1MSP.peer'")).toThrow(/expected ',' or '\)'/);
    expect(() => parseSignaturePolicy("OutOf(3, 'A.peer', 'B.peer')")).toThrow(/between 1 and 2/);
    expect(() => parseSignaturePolicy("OR('Org1MSP.king')")).toThrow(/role one of/);
  });

  test.each([
    ['an unknown field', minimal('colour: blue'), 'colour', /not a known field/],
    ['bad policy syntax', minimal('', `{ name: c, path: ${chaincodePath('counter')}, endorsementPolicy: "AND('Org1MSP.peer'" }`), 'channels[0].chaincodes[0].endorsementPolicy', /bad policy syntax/],
    ['a policy naming a stranger', minimal('', `{ name: c, path: ${chaincodePath('counter')}, endorsementPolicy: "OR('Org9MSP.peer')" }`), 'channels[0].chaincodes[0].endorsementPolicy', /Org9MSP/],
    ['a missing chaincode path', minimal('', '{ name: c, path: ./nowhere }'), 'channels[0].chaincodes[0].path', /does not exist/],
    ['no channels', 'type: embedded\norganizations: [{ mspId: Org1MSP }]\n', 'channels', /non-empty list/],
    ['a bad batch timeout', minimal('orderer: { batchTimeout: 2 }'), 'orderer.batchTimeout', /not a duration/],
    ['a bad message count', minimal('orderer: { batchSize: { maxMessageCount: 0 } }'), 'orderer.batchSize.maxMessageCount', /whole number/],
    ['a duplicate organization', 'type: embedded\norganizations: [{ mspId: A }, { mspId: A }]\nchannels: [{ name: c }]\n', 'organizations[1].mspId', /twice/],
  ])('%s is a ConfigError naming file, field and fix', (_what, yaml, field, problem) => {
    const file = writeNetworkFile(yaml);
    const err = configError(() => loadNetworkFile(file));
    expect(err.file).toBe(file);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(problem);
    expect(err.fix.length).toBeGreaterThan(5);
  });

  test('a chaincode that does not load fails startNetwork with a ConfigError', async () => {
    const file = writeNetworkFile(minimal('', `{ name: bad, path: ${resolve(import.meta.dirname, 'helpers.ts')}, endorsementPolicy: "OR('Org1MSP.peer')" }`));
    const err = await startNetwork(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('channels[0].chaincodes[0].path');
    expect((err as ConfigError).message).toMatch(/does not load: exports neither/);
  });

  /**
   * Caliper's fabric-ccp shape (as the seed's file) in <workspace>/networks, its client's certificate
   * and key under <workspace>/crypto, named relative to the workspace as Caliper's own configs do.
   */
  async function caliperWorkspace(opts: { start: string; end?: string; keyPath?: string }): Promise<{ ws: string; file: string }> {
    const ws = tempDir('lb-nettest-ws-');
    const user = await createCa('User1@org1.example.com', 'org1.example.com');
    mkdirSync(join(ws, 'crypto'), { recursive: true });
    mkdirSync(join(ws, 'networks'));
    writeFileSync(join(ws, 'crypto', 'user.pem'), user.certPem);
    writeFileSync(join(ws, 'crypto', 'user_sk'), user.keyPem, { mode: 0o600 });
    const file = join(ws, 'networks', 'fabric-ccp.yaml');
    writeFileSync(
      file,
      `name: Fabric
version: "1.0"
caliper:
  blockchain: fabric-ccp
  command:
    start: ${opts.start}
${opts.end ? `    end: ${opts.end}\n` : ''}clients:
  client0.org1.example.com:
    client:
      organization: Org1
      clientPrivateKey: { path: ${opts.keyPath ?? 'crypto/user_sk'} }
      clientSignedCert: { path: crypto/user.pem }
channels:
  mychannel:
    chaincodes: [{ id: simple, version: v0 }]
organizations:
  Org1:
    mspid: Org1MSP
    peers: [peer0.org1.example.com]
peers:
  peer0.org1.example.com:
    url: grpc://localhost:7051
`,
    );
    return { ws, file };
  }

  /** Runs `fn` with Caliper's workspace setting ($CALIPER_WORKSPACE) set to `ws`. */
  async function inWorkspace<T>(ws: string, fn: () => Promise<T>): Promise<T> {
    const saved = process.env.CALIPER_WORKSPACE;
    process.env.CALIPER_WORKSPACE = ws;
    try {
      return await fn();
    } finally {
      if (saved === undefined) delete process.env.CALIPER_WORKSPACE;
      else process.env.CALIPER_WORKSPACE = saved;
    }
  }

  test("a connection profile starts nothing but runs caliper.command.start and, on stop, end, in Caliper's workspace", async () => {
    const { ws, file } = await caliperWorkspace({ start: 'touch started', end: 'touch ended' });
    const handle = await inWorkspace(ws, () => startNetwork(file));
    // A Caliper fabric-ccp file goes to the connector Caliper used for it (fabric-network).
    expect(handle.ref).toEqual({ connector: 'fabric-legacy', file, workspace: ws });
    expect(handle.pids).toEqual([]);
    // Caliper runs its commands as `cd <workspace>; <command>`.
    expect(existsSync(join(ws, 'started'))).toBe(true);
    expect(existsSync(join(ws, 'networks', 'started'))).toBe(false);
    expect(existsSync(join(ws, 'ended'))).toBe(false);
    await handle.stop();
    expect(existsSync(join(ws, 'ended'))).toBe(true);
    const failing = await caliperWorkspace({ start: 'exit 3' });
    await expect(inWorkspace(failing.ws, () => startNetwork(failing.file))).rejects.toThrow(/caliper.command.start: "exit 3" exited with code 3/);
  });

  test('a missing key fails when the network is opened, before caliper.command.start runs, naming the folders tried once', async () => {
    const { ws, file } = await caliperWorkspace({ start: 'touch started', keyPath: 'crypto/missing_sk' });
    const opens: Array<() => Promise<unknown>> = [() => startNetwork(file), () => networkUp(file, join(ws, 'state'))];
    for (const open of opens) {
      const err = await inWorkspace(ws, open).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      const ce = err as ConfigError;
      expect(ce.field).toBe('clients.client0.org1.example.com.client.clientPrivateKey.path');
      expect(ce.message).toContain(join(ws, 'crypto', 'missing_sk'));
      expect(ce.message).toContain(join(ws, 'networks', 'crypto', 'missing_sk'));
      // File, field and fix once each.
      expect(ce.message.split(ce.field).length).toBe(2);
      expect(ce.message.split('fix:').length).toBe(2);
      expect(existsSync(join(ws, 'started'))).toBe(false);
      expect(existsSync(join(ws, 'state', 'network.json'))).toBe(false);
    }
  });

  test("the seed's fabric-ccp file fails on its first missing certificate before its start command (sleep 2s) runs", async () => {
    const seed = resolve(import.meta.dirname, '../../fixtures/seed-configs/fabric-ccp-2org2peer3orderer.yaml');
    const t0 = performance.now();
    const err = await startNetwork(seed).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('clients.client0.org1.example.com.client.clientSignedCert.path');
    expect((err as ConfigError).message).toMatch(/not in the workspace \(.*\) nor in the network file's folder/);
  });

  test('the network process exits when the process that started it dies', async () => {
    const file = writeNetworkFile(minimal('', `{ name: kv, path: ${chaincodePath('kv-shim')}, endorsementPolicy: "OR('Org1MSP.peer')" }`));
    const index = resolve(import.meta.dirname, '../../src/network/index.ts');
    const script = `import(${JSON.stringify(index)}).then((m) => m.startNetwork(${JSON.stringify(file)})).then((h) => console.log('PID', h.pids[0].pid));`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: resolve(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const pid = await new Promise<number>((ok, fail) => {
        let out = '';
        parent.stdout.on('data', (d: Buffer) => {
          out += d;
          const m = /PID (\d+)/.exec(out);
          if (m) ok(Number(m[1]));
        });
        parent.on('exit', () => fail(new Error(`parent exited early: ${out}`)));
      });
      expect(() => process.kill(pid, 0)).not.toThrow();
      parent.kill('SIGKILL');
      const deadline = Date.now() + 10_000;
      let alive = true;
      while (alive && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        try {
          process.kill(pid, 0);
        } catch {
          alive = false;
        }
      }
      expect(alive).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  test('network up / down run the network detached and stop it again', async () => {
    // Relative to the current folder, as `--state .ledgerbench` is: the network process runs elsewhere.
    const stateDir = relative(process.cwd(), tempDir('lb-nettest-state-'));
    const file = writeNetworkFile(minimal('', `{ name: kv, path: ${chaincodePath('kv-shim')}, endorsementPolicy: "OR('Org1MSP.peer')" }`));
    const up = await networkUp(file, stateDir);
    try {
      expect(up.connectionFile).toBe(resolve(stateDir, 'connection.json'));
      expect(readConnection(up.connectionFile).chaincodes).toEqual([{ name: 'kv', channel: 'mychannel' }]);
      process.kill(up.pid, 0);
      await expect(networkUp(file, stateDir)).rejects.toThrow(/already up/);
    } finally {
      expect(await networkDown(stateDir)).toBe(true);
    }
    expect(() => process.kill(up.pid, 0)).toThrow();
    expect(await networkDown(stateDir)).toBe(false);
  });
});
