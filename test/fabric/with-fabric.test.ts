/**
 * scripts/with-fabric.mjs, which `npm test` runs the perf-fabric project through: FABRIC_BIN as the
 * user set it, else the release archive unpacked once and reused; without binaries it fails saying
 * where it looked and how to get them. A fake release archive (shell scripts) stands in for Fabric.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, '../../scripts/with-fabric.mjs');
const work = mkdtempSync(join(tmpdir(), 'lb-with-fabric-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(env: Record<string, string | undefined>, ...command: string[]) {
  const { FABRIC_BIN: _unset, ...base } = process.env;
  const r = spawnSync(process.execPath, [SCRIPT, '0.0.1', ...command], { env: { ...base, ...env }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** fabric-0.0.1-linux-amd64.tar.xz holding 0.0.1/bin/<tools> and 0.0.1/config, as a release does. */
function fakeArchive(): string {
  const src = join(work, 'src');
  mkdirSync(join(src, '0.0.1', 'bin'), { recursive: true });
  mkdirSync(join(src, '0.0.1', 'config'), { recursive: true });
  for (const tool of ['peer', 'orderer', 'configtxgen', 'cryptogen', 'osnadmin']) {
    writeFileSync(join(src, '0.0.1', 'bin', tool), '#!/bin/sh\n');
    chmodSync(join(src, '0.0.1', 'bin', tool), 0o755);
  }
  const archives = join(work, 'archives');
  mkdirSync(archives);
  execFileSync('tar', ['-cJf', join(archives, 'fabric-0.0.1-linux-amd64.tar.xz'), '-C', src, '0.0.1']);
  return archives;
}

describe('scripts/with-fabric.mjs', () => {
  test('no FABRIC_BIN and no archive: fails naming the archive it looked for and how to get binaries', () => {
    const r = run({ LEDGERBENCH_FABRIC_ARCHIVES: join(work, 'none') }, 'true');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`Fabric 0.0.1 binaries are missing: FABRIC_BIN is not set and ${join(work, 'none', 'fabric-0.0.1-linux-amd64.tar.xz')} does not exist`);
    expect(r.err).toMatch(/install-fabric\.sh binary/);
  });

  test('a FABRIC_BIN without the tools is an error, not replaced by the archive', () => {
    const r = run({ FABRIC_BIN: work }, 'true');
    expect(r.code).toBe(1);
    expect(r.err).toContain(`FABRIC_BIN=${work} has no peer, orderer, configtxgen, cryptogen, osnadmin`);
  });

  test('the archive is unpacked once, reused by the next run, and the command sees FABRIC_BIN; its exit code is passed on', () => {
    const env = { LEDGERBENCH_FABRIC_ARCHIVES: fakeArchive(), LEDGERBENCH_FABRIC_CACHE: join(work, 'cache') };
    const first = run(env, 'sh', '-c', 'echo "$FABRIC_BIN"');
    expect(first.code, first.err).toBe(0);
    const bin = first.out.trim();
    expect(bin).toBe(join(work, 'cache', 'fabric-0.0.1', '0.0.1'));
    // A fresh unpack is renamed into place: a new folder (inode). tar keeps file times, so they cannot tell.
    const unpacked = statSync(join(work, 'cache', 'fabric-0.0.1')).ino;
    const second = run(env, 'sh', '-c', 'ls "$FABRIC_BIN/bin"; exit 3');
    expect(second.code).toBe(3);
    expect(second.out.split('\n')).toContain('osnadmin');
    expect(statSync(join(work, 'cache', 'fabric-0.0.1')).ino).toBe(unpacked);
    // A changed archive is unpacked again.
    const archive = join(env.LEDGERBENCH_FABRIC_ARCHIVES, 'fabric-0.0.1-linux-amd64.tar.xz');
    writeFileSync(archive, execFileSync('cat', [archive]));
    utimesSync(archive, new Date(), new Date(Date.now() + 5000));
    expect(run(env, 'true').code).toBe(0);
    expect(statSync(join(work, 'cache', 'fabric-0.0.1')).ino).not.toBe(unpacked);
  });
});
