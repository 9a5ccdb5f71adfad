/**
 * Chaincode-as-a-service packages in the layout `peer lifecycle chaincode install` reads: a gzipped
 * tar holding `metadata.json` (type and label) and `code.tar.gz`. The code archive holds no code (the
 * chaincode runs as a service ledgerbench starts) but a description of it with a hash of the chaincode
 * folder's files, so a changed chaincode gets a new package id. Archives are written here, byte for
 * byte the same for the same input (fixed mtimes and owners), so the package id is stable.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CCAAS_TYPE, STANDARD_CCAAS_TYPE } from './builder.ts';
import type { FabricChaincodeConfig } from './config.ts';

/** A package ready to install, and the id the peers will give it. */
export interface ChaincodePackage {
  label: string;
  /** `<label>:<sha256 of the package file>`, as Fabric computes it. */
  packageId: string;
  bytes: Buffer;
}

/** Builds the package of `cc` (label `<name>_<version>`). */
export function buildCcaasPackage(cc: FabricChaincodeConfig): ChaincodePackage {
  const label = `${cc.name}_${cc.version}`;
  const description = { name: cc.name, version: cc.version, sourceSha256: hashFolder(cc.path) };
  const code = gzipSync(tar([{ name: 'chaincode.json', data: Buffer.from(`${JSON.stringify(description)}\n`) }]));
  const metadata = Buffer.from(JSON.stringify({ type: CCAAS_TYPE, label }));
  const bytes = gzipSync(tar([
    { name: 'metadata.json', data: metadata },
    { name: 'code.tar.gz', data: code },
  ]));
  return { label, packageId: `${label}:${createHash('sha256').update(bytes).digest('hex')}`, bytes };
}

/**
 * Builds Fabric's standard `ccaas` package of `cc` (label `<name>_<version>`), whose code archive
 * holds the `connection.json` every peer dials (`address`, no TLS) and `ledgerbench.json` (name,
 * version, folder hash), from which a later start tells whether the installed package is this
 * folder's. For peers someone else runs (Fabric's ccaas builder, or ledgerbench's).
 */
export function buildStandardCcaasPackage(cc: Pick<FabricChaincodeConfig, 'name' | 'version' | 'path'>, address: string): ChaincodePackage {
  const label = `${cc.name}_${cc.version}`;
  const description = { name: cc.name, version: cc.version, sourceSha256: hashFolder(cc.path) };
  const code = gzipSync(tar([
    { name: 'connection.json', data: Buffer.from(`${JSON.stringify({ address, dial_timeout: '10s', tls_required: false })}\n`) },
    { name: 'ledgerbench.json', data: Buffer.from(`${JSON.stringify(description)}\n`) },
  ]));
  const metadata = Buffer.from(JSON.stringify({ type: STANDARD_CCAAS_TYPE, label }));
  const bytes = gzipSync(tar([
    { name: 'metadata.json', data: metadata },
    { name: 'code.tar.gz', data: code },
  ]));
  return { label, packageId: `${label}:${createHash('sha256').update(bytes).digest('hex')}`, bytes };
}

/** SHA-256 over the chaincode folder's files (paths and contents), leaving out node_modules and .git. */
export function hashFolder(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      if (entry === 'node_modules' || entry === '.git') continue;
      const path = join(dir, entry);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) {
        hash.update(`${relative(root, path)}\0`);
        hash.update(readFileSync(path));
      }
    }
  };
  walk(root);
  return hash.digest('hex');
}

/** A POSIX ustar archive of regular files (names under 100 bytes), owned by root, mtime 0. */
function tar(files: Array<{ name: string; data: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const f of files) {
    if (Buffer.byteLength(f.name) >= 100) throw new Error(`tar: name too long: ${f.name}`);
    const h = Buffer.alloc(512);
    h.write(f.name, 0, 'utf8');
    h.write('0000644\0', 100, 'ascii');
    h.write('0000000\0', 108, 'ascii');
    h.write('0000000\0', 116, 'ascii');
    h.write(`${f.data.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
    h.write('00000000000\0', 136, 'ascii');
    h.write('        ', 148, 'ascii');
    h.write('0', 156, 'ascii');
    h.write('ustar\0', 257, 'ascii');
    h.write('00', 263, 'ascii');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    parts.push(h, f.data, Buffer.alloc((512 - (f.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
