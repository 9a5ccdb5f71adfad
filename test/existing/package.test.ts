/**
 * The pieces of deploying to an existing network that need no Fabric: Fabric's standard ccaas package
 * as ledgerbench writes it and reads it back (tar reader), and the peer CLI's JSON answers.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parseJsonOutput } from '../../src/network/existing/peer-cli.ts';
import { readTarGz } from '../../src/network/existing/tar-read.ts';
import { buildStandardCcaasPackage, hashFolder } from '../../src/network/fabric/package.ts';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'lb-existing-pkg-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("Fabric's standard ccaas package", () => {
  test('has the layout Fabric reads (type ccaas, connection.json in the code archive), and reads back with the folder hash', () => {
    const cc = { name: 'versioned', version: 'v1', path: join(temp(), 'cc') };
    cpSync(resolve(import.meta.dirname, 'fixtures/versioned'), cc.path, { recursive: true });
    const pkg = buildStandardCcaasPackage(cc, '127.0.0.1:9999');
    expect(pkg.label).toBe('versioned_v1');
    const dir = temp();
    writeFileSync(join(dir, 'pkg.tgz'), pkg.bytes);
    // The system tar agrees with ledgerbench's writer and reader.
    expect(execFileSync('tar', ['-tzf', join(dir, 'pkg.tgz')], { encoding: 'utf8' }).trim().split('\n')).toEqual(['metadata.json', 'code.tar.gz']);
    const outer = readTarGz(pkg.bytes);
    expect(JSON.parse(outer.get('metadata.json')!.toString())).toEqual({ type: 'ccaas', label: 'versioned_v1' });
    const code = readTarGz(outer.get('code.tar.gz')!);
    expect(JSON.parse(code.get('connection.json')!.toString())).toEqual({ address: '127.0.0.1:9999', dial_timeout: '10s', tls_required: false });
    expect(JSON.parse(code.get('ledgerbench.json')!.toString())).toEqual({ name: 'versioned', version: 'v1', sourceSha256: hashFolder(cc.path) });
    // Same input, same id; a changed folder, another id.
    expect(buildStandardCcaasPackage(cc, '127.0.0.1:9999').packageId).toBe(pkg.packageId);
    const source = join(cc.path, 'chaincode.cjs');
    writeFileSync(source, readFileSync(source, 'utf8').replace("'one'", "'two'"));
    expect(buildStandardCcaasPackage(cc, '127.0.0.1:9999').packageId).not.toBe(pkg.packageId);
  });
});

describe("the peer CLI's JSON answers", () => {
  test('are found among its log lines, on one line or many', () => {
    expect(parseJsonOutput('2026-12-01 INFO something\n{}\n')).toEqual({});
    expect(parseJsonOutput('INFO x\n{\n  "sequence": 2,\n  "version": "v1"\n}\nINFO y\n')).toEqual({ sequence: 2, version: 'v1' });
    expect(() => parseJsonOutput('Error: query failed')).toThrow(/no JSON/);
  });
});
