/**
 * A TLS network with its organization CA given as files: expired certificates, MaxMessageCount 1
 * (no BatchTimeout wait), pending commit statuses on stop, and nothing left behind afterwards.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CommitStatusError } from '@hyperledger/fabric-gateway';
import * as protos from '@hyperledger/fabric-protos';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type CaMaterial, createCa, issueCert } from '../../src/network/embedded/identities.ts';
import type { ConnectionFile } from '../../src/network/embedded/network.ts';
import { startNetwork } from '../../src/network/index.ts';
import type { NetworkHandle } from '../../src/network/types.ts';
import { type Connected, chaincodePath, connectGateway, readConnection, removeTempDirs, tempDir, text, writeNetworkFile } from './helpers.ts';
import { alive, eventually } from '../support/processes.ts';

describe('TLS network with a given CA, MaxMessageCount 1', () => {
  let ca: CaMaterial;
  let handle: NetworkHandle;
  let conn: ConnectionFile;
  let gw: Connected;
  let stopped = false;

  beforeAll(async () => {
    const dir = tempDir('lb-nettest-ca-');
    ca = await createCa('ca.org1.example.com', 'org1.example.com');
    writeFileSync(join(dir, 'ca.pem'), ca.certPem);
    writeFileSync(join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
    const file = writeNetworkFile(
      `
type: embedded
tls: true
organizations:
  - { mspId: Org1MSP, users: 1, ca: { certFile: ca.pem, keyFile: ca.key } }
orderer:
  batchSize: { maxMessageCount: 1 }
  batchTimeout: 2s
channels:
  - name: tlschannel
    chaincodes:
      - { name: counter, path: ${chaincodePath('counter')}, endorsementPolicy: "OR('Org1MSP.member')" }
`,
      dir,
    );
    handle = await startNetwork(file);
    conn = readConnection(handle.ref.file!);
    gw = connectGateway(conn);
  });

  afterAll(async () => {
    gw?.close();
    if (!stopped) await handle?.stop();
    removeTempDirs();
  });

  test('serves TLS with the CA in the connection file, which is private', () => {
    expect(conn.peers[0].tlsRootCertPem).toMatch(/BEGIN CERTIFICATE/);
    expect(conn.peers[0].hostnameOverride).toBe('peer0.org1.example.com');
    expect(statSync(handle.ref.file!).mode & 0o777).toBe(0o600);
    expect(conn.channel).toBe('tlschannel');
  });

  test('users are issued by the given CA; a transaction commits without waiting for BatchTimeout', async () => {
    const counter = gw.gateway.getNetwork('tlschannel').getContract('counter');
    const t0 = performance.now();
    expect(text(await counter.submitTransaction('increment', 'x'))).toBe('1');
    // BatchTimeout is 2s; with MaxMessageCount 1 the block is cut at once.
    expect(performance.now() - t0).toBeLessThan(1900);
  });

  test('an expired certificate of the right CA is rejected', async () => {
    const day = 86_400_000;
    const old = await issueCert(ca, {
      commonName: 'Expired@org1.example.com',
      ou: 'client',
      organization: 'org1.example.com',
      notBefore: new Date(Date.now() - 10 * day),
      notAfter: new Date(Date.now() - day),
    });
    const expired = connectGateway(conn, { certPem: old.certPem, keyPem: old.keyPem });
    try {
      await expect(expired.gateway.getNetwork('tlschannel').getContract('counter').submitTransaction('increment', 'x')).rejects.toThrow(
        /creator certificate expired/,
      );
    } finally {
      expired.close();
    }
  });

  test('stop fails a pending commit status cleanly and leaves no process or files behind', async () => {
    // A commit status for a transaction that is never submitted stays pending until the network stops.
    const req = new protos.gateway.CommitStatusRequest();
    req.setChannelId('tlschannel');
    req.setTransactionId('never-submitted');
    req.setIdentity(new Uint8Array(0));
    const signed = new protos.gateway.SignedCommitStatusRequest();
    signed.setRequest(req.serializeBinary());
    const pending = gw.gateway.newCommit(signed.serializeBinary()).getStatus();
    const outcome = pending.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 200));
    const pid = handle.pids[0].pid;
    const dir = dirname(handle.ref.file!);
    expect(alive(pid)).toBe(true);
    await handle.stop();
    stopped = true;
    const err = await outcome;
    expect(err).toBeInstanceOf(CommitStatusError);
    expect((err as CommitStatusError).code).toBe(14); // UNAVAILABLE
    expect(alive(pid)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    await handle.stop(); // idempotent
  });
});


const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Runs `script` (ESM, with tsx) as the network's owner, in a process group of its own as a shell
 * would run a foreground job, so the test can signal the whole group as a terminal's Ctrl-C does.
 * `lines` collects its stdout.
 */
function owner(script: string): { proc: ChildProcessWithoutNullStreams; lines: string[]; next: (re: RegExp, ms?: number) => Promise<RegExpExecArray> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, detached: true, stdio: 'pipe' });
  const lines: string[] = [];
  let buf = '';
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const next = async (re: RegExp, ms = 30_000) => {
    let m: RegExpExecArray | null = null;
    const ok = await eventually(() => lines.some((l) => (m = re.exec(l)) !== null), ms);
    if (!ok || !m) throw new Error(`owner printed no ${re} within ${ms} ms; stdout: ${lines.join(' | ')}; stderr: ${err.slice(-2000)}`);
    return m;
  };
  return { proc, lines, next };
}

/** PIDs of network processes (src/network/embedded/main) started for the network file `file`. */
function networkPids(file: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const args = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => /network\/embedded\/main\.[jt]s$/.test(a)) && args.includes(file)) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

describe('Ctrl-C and the owner going away', () => {
  /** Ends the owner's group and, should the test have failed, the network processes it left behind. */
  const kill = (ownerPid: number | undefined, file: string) => {
    for (const target of [...(ownerPid ? [-ownerPid] : []), ...networkPids(file)]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  test("SIGINT to the owner's process group does not stop the network: an in-flight transaction still commits", async () => {
    // A 1.5 s batch timeout keeps the transaction waiting for its block while the signal arrives.
    const file = writeNetworkFile(`
type: embedded
organizations:
  - { mspId: Org1MSP, users: 1 }
orderer:
  batchSize: { maxMessageCount: 100 }
  batchTimeout: 1500ms
channels:
  - name: mychannel
    chaincodes:
      - { name: counter, path: ${chaincodePath('counter')}, endorsementPolicy: "OR('Org1MSP.peer')" }
`);
    const o = owner(`
      const { startNetwork } = await import(${JSON.stringify(resolve(ROOT, 'src/network/index.ts'))});
      const { createFabricGatewayConnector } = await import(${JSON.stringify(resolve(ROOT, 'src/connectors/fabric-gateway/index.ts'))});
      const h = await startNetwork(${JSON.stringify(file)});
      const c = await createFabricGatewayConnector({ workerIndex: 0, workerCount: 1, txTimeoutMs: 20000, network: h.ref });
      // The owner handles Ctrl-C as the CLI and the global setup do: it stops the network itself, later.
      process.on('SIGINT', () => console.log('SIGINT'));
      const pending = c.submit({ contract: 'counter', fn: 'increment', args: ['k'] });
      console.log('IN-FLIGHT', h.pids[0].pid);
      const out = await pending;
      console.log('OUTCOME', JSON.stringify({ ok: out.ok, reason: out.reason }));
      await c.close();
      await h.stop();
      console.log('STOPPED');
    `);
    try {
      const pid = Number((await o.next(/^IN-FLIGHT (\d+)/))[1]);
      process.kill(-o.proc.pid!, 'SIGINT');
      await o.next(/^SIGINT$/);
      const outcome = JSON.parse((await o.next(/^OUTCOME (.*)/))[1]) as { ok: boolean; reason?: string };
      expect(outcome).toEqual({ ok: true });
      await o.next(/^STOPPED$/);
      expect(alive(pid)).toBe(false);
    } finally {
      kill(o.proc.pid, file);
    }
  }, 60_000);

  test('kill -9 of the owner while the network is still starting leaves no network process behind', async () => {
    const file = writeNetworkFile(`
type: embedded
organizations:
  - { mspId: Org1MSP, users: 1 }
channels:
  - name: mychannel
    chaincodes:
      - { name: counter, path: ${chaincodePath('counter')}, endorsementPolicy: "OR('Org1MSP.peer')" }
`);
    const o = owner(`
      const { startNetwork } = await import(${JSON.stringify(resolve(ROOT, 'src/network/index.ts'))});
      console.log('STARTING');
      await startNetwork(${JSON.stringify(file)});
      console.log('READY');
    `);
    try {
      await o.next(/^STARTING$/);
      // The network process exists as soon as it is spawned; kill its owner before it reports ready.
      expect(await eventually(() => networkPids(file).length > 0, 10_000)).toBe(true);
      const [pid] = networkPids(file);
      expect(o.lines).not.toContain('READY');
      process.kill(o.proc.pid!, 'SIGKILL');
      expect(await eventually(() => !alive(pid), 15_000)).toBe(true);
      expect(networkPids(file)).toEqual([]);
    } finally {
      kill(o.proc.pid, file);
    }
  }, 60_000);

  test('kill -9 of `network up` while the network is still starting leaves no network process behind', async () => {
    const file = writeNetworkFile(`
type: embedded
organizations:
  - { mspId: Org1MSP, users: 1 }
channels:
  - name: mychannel
    chaincodes:
      - { name: counter, path: ${chaincodePath('counter')}, endorsementPolicy: "OR('Org1MSP.peer')" }
`);
    const stateDir = tempDir('lb-nettest-upstate-');
    const o = owner(`
      const { networkUp } = await import(${JSON.stringify(resolve(ROOT, 'src/network/index.ts'))});
      console.log('STARTING');
      await networkUp(${JSON.stringify(file)}, ${JSON.stringify(stateDir)});
      console.log('READY');
    `);
    try {
      await o.next(/^STARTING$/);
      expect(await eventually(() => networkPids(file).length > 0, 10_000)).toBe(true);
      const [pid] = networkPids(file);
      expect(o.lines).not.toContain('READY');
      process.kill(o.proc.pid!, 'SIGKILL');
      expect(await eventually(() => !alive(pid), 15_000)).toBe(true);
      expect(existsSync(join(stateDir, 'network.json'))).toBe(false);
    } finally {
      kill(o.proc.pid, file);
    }
  }, 60_000);

  test('kill -9 of the owner of a running network stops the network', async () => {
    const file = writeNetworkFile(`
type: embedded
organizations:
  - { mspId: Org1MSP, users: 1 }
channels:
  - name: mychannel
    chaincodes:
      - { name: counter, path: ${chaincodePath('counter')}, endorsementPolicy: "OR('Org1MSP.peer')" }
`);
    const o = owner(`
      const { startNetwork } = await import(${JSON.stringify(resolve(ROOT, 'src/network/index.ts'))});
      const h = await startNetwork(${JSON.stringify(file)});
      console.log('READY', h.pids[0].pid, h.ref.file);
    `);
    try {
      const m = await o.next(/^READY (\d+) (.*)/);
      const pid = Number(m[1]);
      expect(alive(pid)).toBe(true);
      process.kill(o.proc.pid!, 'SIGKILL');
      expect(await eventually(() => !alive(pid), 15_000)).toBe(true);
      expect(existsSync(dirname(m[2]))).toBe(false);
    } finally {
      kill(o.proc.pid, file);
    }
  }, 60_000);
});
