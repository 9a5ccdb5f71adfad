/**
 * What the real-Fabric tests share: the Fabric release archives (unpacked into a temp folder per test
 * file, as a user's CI would unpack a release), and a scan of /proc for processes a network left.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where the archives are: LEDGERBENCH_FABRIC_ARCHIVES, else the machine's shared folder. */
export const FABRIC_ARCHIVES = process.env.LEDGERBENCH_FABRIC_ARCHIVES ?? resolve(import.meta.dirname, '../../../shared/fabric');

/** An unpacked Fabric release: `root` holds bin/ and config/. */
export interface UnpackedFabric {
  root: string;
  remove(): void;
}

/**
 * Unpacks `fabric-<version>-linux-amd64.tar.xz`. Throws (the test fails, it is never skipped) when the
 * archive is missing, saying where it looked and how to provide it.
 */
export function unpackFabric(version: string): UnpackedFabric {
  const archive = join(FABRIC_ARCHIVES, `fabric-${version}-linux-amd64.tar.xz`);
  if (!existsSync(archive)) {
    throw new Error(
      `Fabric ${version} binaries are missing: ${archive} does not exist. These tests run real Fabric; put the release archive there ` +
        '(bin/ with peer, orderer, configtxgen, cryptogen, osnadmin, and config/), or point LEDGERBENCH_FABRIC_ARCHIVES at the folder that has it.',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'ledgerbench-fabric-bin-'));
  execFileSync('tar', ['-xJf', archive, '-C', dir]);
  return { root: join(dir, version), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * PIDs of live processes that run from `binDir` (this test file's unpacked release) or were started
 * with FABRIC_BIN pointing there (chaincode services, owners): this test file's, nobody else's.
 */
export function processesUsing(binDir: string): number[] {
  const tag = `FABRIC_BIN=${binDir}\0`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const exe = readlinkSync(`/proc/${entry}/exe`);
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (state === 'Z') continue;
      if (exe.startsWith(binDir) || `${readFileSync(`/proc/${entry}/environ`, 'latin1')}\0`.includes(tag)) found.push(Number(entry));
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return found;
}

/**
 * PIDs of live processes of the network whose state folder is `stateDir` (ledgerbench sets
 * LEDGERBENCH_FABRIC_NETWORK in every process it starts), whoever else runs Fabric on this machine.
 */
export function processesOfNetwork(stateDir: string): number[] {
  const tag = `LEDGERBENCH_FABRIC_NETWORK=${stateDir}\0`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${entry}/status`, 'utf8'))) continue;
      if (`${readFileSync(`/proc/${entry}/environ`, 'latin1')}\0`.includes(tag)) found.push(Number(entry));
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return found;
}
