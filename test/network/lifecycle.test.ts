/**
 * A TLS network with its organization CA given as files: expired certificates, MaxMessageCount 1
 * (no BatchTimeout wait), pending commit statuses on stop, and nothing left behind afterwards.
 */
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CommitStatusError } from '@hyperledger/fabric-gateway';
import * as protos from '@hyperledger/fabric-protos';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type CaMaterial, createCa, issueCert } from '../../src/network/embedded/identities.ts';
import type { ConnectionFile } from '../../src/network/embedded/network.ts';
import { startNetwork } from '../../src/network/index.ts';
import type { NetworkHandle } from '../../src/network/types.ts';
import { type Connected, chaincodePath, connectGateway, readConnection, removeTempDirs, tempDir, text, writeNetworkFile } from './helpers.ts';
import { alive } from '../support/processes.ts';

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

