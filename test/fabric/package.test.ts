/**
 * The chaincode-as-a-service package and the readiness probe's reading of Fabric's answers, without a
 * network: the package is a tar.gz the system's tar reads, its id is stable for the same chaincode
 * and changes when the chaincode's files change; the builder's scripts claim only our packages.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { installBuilder } from '../../src/network/fabric/builder.ts';
import type { FabricChaincodeConfig } from '../../src/network/fabric/config.ts';
import { chaincodeAnswered } from '../../src/network/fabric/gateway-probe.ts';
import { buildCcaasPackage } from '../../src/network/fabric/package.ts';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'lb-fabric-pkg-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function chaincodeCopy(): FabricChaincodeConfig {
  const path = join(temp(), 'simple');
  cpSync(resolve(import.meta.dirname, '../../fixtures/chaincode/simple'), path, { recursive: true });
  return { name: 'simple', path, version: '1.0', sequence: 1, endorsementPolicy: "OR('Org1MSP.peer')" };
}

describe('chaincode-as-a-service package', () => {
  test('is the layout peer lifecycle chaincode install reads, with a stable id that follows the code', () => {
    const cc = chaincodeCopy();
    const pkg = buildCcaasPackage(cc);
    expect(pkg.label).toBe('simple_1.0');
    expect(pkg.packageId).toMatch(/^simple_1\.0:[0-9a-f]{64}$/);
    expect(buildCcaasPackage(cc).packageId).toBe(pkg.packageId);

    const dir = temp();
    writeFileSync(join(dir, 'pkg.tgz'), pkg.bytes);
    expect(execFileSync('tar', ['-tzf', join(dir, 'pkg.tgz')], { encoding: 'utf8' }).trim().split('\n')).toEqual(['metadata.json', 'code.tar.gz']);
    execFileSync('tar', ['-xzf', join(dir, 'pkg.tgz'), '-C', dir]);
    expect(JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'))).toEqual({ type: 'ledgerbench-ccaas', label: 'simple_1.0' });
    expect(execFileSync('tar', ['-xzOf', join(dir, 'code.tar.gz'), 'chaincode.json'], { encoding: 'utf8' })).toMatch(/"sourceSha256":"[0-9a-f]{64}"/);

    writeFileSync(join(cc.path, 'index.js'), `${readFileSync(join(cc.path, 'index.js'), 'utf8')}\n// changed\n`);
    expect(buildCcaasPackage(cc).packageId).not.toBe(pkg.packageId);
    expect(buildCcaasPackage({ ...cc, version: '1.1' }).label).toBe('simple_1.1');
  });

  test("the builder claims ledgerbench's packages and Fabric's ccaas ones only, and hands each peer its connection file", () => {
    const root = installBuilder(join(temp(), 'builder'));
    const meta = temp();
    const run = (script: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
      try {
        execFileSync(join(root, 'bin', script), args, { env: { PATH: process.env.PATH, ...env }, stdio: 'pipe' });
        return 0;
      } catch (err) {
        return (err as { status: number }).status;
      }
    };
    writeFileSync(join(meta, 'metadata.json'), JSON.stringify({ type: 'golang', label: 'x_1' }));
    expect(run('detect', ['/src', meta])).not.toBe(0);
    // Fabric's standard ccaas package (what ledgerbench installs on networks someone else runs): the
    // address comes from the package's own connection.json.
    writeFileSync(join(meta, 'metadata.json'), JSON.stringify({ type: 'ccaas', label: 'x_1' }));
    expect(run('detect', ['/src', meta])).toBe(0);
    const src = temp();
    const stdOut = temp();
    expect(run('build', [src, meta, stdOut])).not.toBe(0);
    writeFileSync(join(src, 'connection.json'), '{"address":"127.0.0.1:8888","dial_timeout":"10s","tls_required":false}');
    expect(run('build', [src, meta, stdOut])).toBe(0);
    expect(JSON.parse(readFileSync(join(stdOut, 'connection.json'), 'utf8'))).toMatchObject({ address: '127.0.0.1:8888' });
    writeFileSync(join(meta, 'metadata.json'), JSON.stringify({ type: 'ledgerbench-ccaas', label: 'simple_1.0' }));
    expect(run('detect', ['/src', meta])).toBe(0);

    const ccaas = temp();
    const out = temp();
    expect(run('build', ['/src', meta, out], { LEDGERBENCH_CCAAS_DIR: ccaas })).not.toBe(0);
    writeFileSync(join(ccaas, 'simple_1.0.json'), '{"address":"127.0.0.1:7777","dial_timeout":"10s","tls_required":false}');
    expect(run('build', ['/src', meta, out], { LEDGERBENCH_CCAAS_DIR: ccaas })).toBe(0);
    const release = temp();
    expect(run('release', [out, release])).toBe(0);
    expect(JSON.parse(readFileSync(join(release, 'chaincode/server/connection.json'), 'utf8'))).toMatchObject({ address: '127.0.0.1:7777' });
  });
});

describe("the readiness probe's reading of endorsement errors", () => {
  test("the chaincode's own answer means ready; the peer's failures to reach it do not", () => {
    expect(chaincodeAnswered('chaincode response 500, unknown function ledgerbench:readiness-probe')).toBe(true);
    expect(chaincodeAnswered("chaincode response 500, You've asked to invoke a function that does not exist: ledgerbench:readiness-probe")).toBe(true);
    expect(chaincodeAnswered('chaincode response 500, error in simulation: failed to execute transaction: could not launch chaincode simple_1.0:ab: connection refused')).toBe(false);
    expect(chaincodeAnswered('chaincode response 500, make sure the chaincode simple has been successfully defined on channel mychannel and try again: chaincode definition for simple not found')).toBe(false);
    expect(chaincodeAnswered('failed to select endorsers: no combination of peers can be derived which satisfy the endorsement policy')).toBe(false);
  });
});
