/** Shared helpers of the network tests: write network files, connect the real fabric-gateway client. */
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { connect, type Gateway, hash, signers } from '@hyperledger/fabric-gateway';
import type { ConnectionFile } from '../../src/network/embedded/network.ts';

/** Absolute path of a chaincode fixture. */
export const chaincodePath = (name: string): string => resolve(import.meta.dirname, '../../fixtures/chaincode', name);

const made: string[] = [];

/** A fresh temp folder, removed by removeTempDirs(). */
export function tempDir(prefix = 'lb-nettest-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Remove every folder tempDir() made (call in afterAll). */
export function removeTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Write a network file (YAML text) into a fresh temp folder; returns its path. */
export function writeNetworkFile(yamlText: string, dir = tempDir()): string {
  const file = join(dir, 'network.yaml');
  writeFileSync(file, yamlText);
  return file;
}

/** Read a connection file. */
export function readConnection(file: string): ConnectionFile {
  return JSON.parse(readFileSync(file, 'utf8')) as ConnectionFile;
}

/** A connected gateway and the gRPC client under it; close() closes both. */
export interface Connected {
  gateway: Gateway;
  close(): void;
}

/**
 * Connect the unmodified fabric-gateway client to one peer of the connection file, as one of its
 * identities (or an explicit certificate and key).
 */
export function connectGateway(
  conn: ConnectionFile,
  opts: { peer?: number; identity?: number; certPem?: string; keyPem?: string; mspId?: string } = {},
): Connected {
  const peer = conn.peers[opts.peer ?? 0];
  const id = conn.identities[opts.identity ?? 0];
  const creds = peer.tlsRootCertPem ? grpc.credentials.createSsl(Buffer.from(peer.tlsRootCertPem)) : grpc.credentials.createInsecure();
  const client = new grpc.Client(peer.endpoint, creds, { 'grpc.ssl_target_name_override': peer.hostnameOverride });
  const gateway = connect({
    client,
    identity: { mspId: opts.mspId ?? id.mspId, credentials: Buffer.from(opts.certPem ?? id.certPem) },
    signer: signers.newPrivateKeySigner(createPrivateKey(opts.keyPem ?? id.keyPem)),
    hash: hash.sha256,
  });
  return {
    gateway,
    close: () => {
      gateway.close();
      client.close();
    },
  };
}

/** Decode a payload. */
export const text = (b: Uint8Array): string => Buffer.from(b).toString();
