/** Where a run happened: machine, Node and the versions of the packages that took part. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, hostname, arch, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { packageDir, REPORT_DIR } from './packages.ts';
import type { EnvironmentInfo } from './types.ts';

/** Packages whose versions change benchmark results: the SDKs on the client path, the runner, the statistics. */
export const REPORTED_PACKAGES = [
  '@hyperledger/fabric-gateway',
  '@hyperledger/fabric-protos',
  '@grpc/grpc-js',
  'fabric-network',
  'fabric-common',
  'fabric-shim',
  'fabric-contract-api',
  'vitest',
  'hdr-histogram-js',
] as const;

function readVersion(file: string): { name?: string; version?: string } | null {
  try {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
    return { name: typeof pkg.name === 'string' ? pkg.name : undefined, version: typeof pkg.version === 'string' ? pkg.version : undefined };
  } catch {
    return null;
  }
}

function installedVersion(name: string): string | null {
  const dir = packageDir(name);
  return dir ? (readVersion(join(dir, 'package.json'))?.version ?? null) : null;
}

/** The nearest package.json above this module that belongs to ledgerbench. */
function ownVersion(): string | null {
  for (let dir = REPORT_DIR; ; dir = dirname(dir)) {
    const pkg = readVersion(join(dir, 'package.json'));
    if (pkg?.name === 'ledgerbench') return pkg.version ?? null;
    if (dirname(dir) === dir) return null;
  }
}

/**
 * Machine, Node and package versions: ledgerbench's own version and those of REPORTED_PACKAGES that
 * resolve from here (packages not installed are left out rather than reported as unknown).
 */
export function environmentInfo(): EnvironmentInfo {
  const cpuList = cpus();
  const versions: Record<string, string> = {};
  const own = ownVersion();
  if (own) versions.ledgerbench = own;
  for (const name of REPORTED_PACKAGES) {
    const v = installedVersion(name);
    if (v) versions[name] = v;
  }
  return {
    hostname: hostname(),
    platform: `${platform()} ${release()}`,
    arch: arch(),
    cpus: cpuList[0]?.model.trim() || 'unknown',
    // availableParallelism honours CPU affinity, which is what a benchmark's workers actually get.
    cpuCount: availableParallelism(),
    totalMemoryBytes: totalmem(),
    node: process.version,
    versions,
  };
}
