/**
 * Finding Fabric's binaries: the network file's `binaries` folder, else the FABRIC_BIN environment
 * variable, else PATH. A folder may be a release archive's root (with bin/ and config/) or its bin/
 * itself. Fabric's own sample configuration (config/core.yaml, config/orderer.yaml) must sit beside
 * bin/, as in every release archive: each node's configuration starts from it.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../../config/errors.ts';

/** The Fabric tools a native network needs. */
export const FABRIC_TOOLS = ['peer', 'orderer', 'configtxgen', 'cryptogen', 'osnadmin'] as const;
export type FabricTool = (typeof FABRIC_TOOLS)[number];

/** A usable Fabric installation. */
export interface FabricBinaries {
  /** Absolute path of each tool. */
  tools: Record<FabricTool, string>;
  /** Folder with Fabric's sample core.yaml and orderer.yaml. */
  configDir: string;
  /** `2.5.12`, as `peer version` prints it. */
  version: string;
  major: number;
  /** Where the binaries were found, for messages: `binaries field`, `FABRIC_BIN` or `PATH`. */
  source: string;
}

const GET_THEM =
  'get them from a Fabric release (fabric-samples\' `install-fabric.sh binary`, or https://github.com/hyperledger/fabric/releases), then set `binaries:` in the network file or FABRIC_BIN to the folder that holds bin/ and config/';

/**
 * Locates and checks the binaries. Throws a ConfigError on the network file's `binaries` field that
 * names every place it looked and what was missing there.
 */
export async function findFabricBinaries(networkFile: string, binariesField: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<FabricBinaries> {
  const tried: string[] = [];
  const candidates: Array<{ dir: string; source: string }> = [];
  if (binariesField !== undefined) candidates.push({ dir: binariesField, source: 'binaries field' });
  else if (env.FABRIC_BIN) candidates.push({ dir: env.FABRIC_BIN, source: 'FABRIC_BIN' });
  else for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) candidates.push({ dir, source: 'PATH' });

  for (const { dir, source } of candidates) {
    const binDir = existsSync(join(dir, 'bin', 'peer')) ? join(dir, 'bin') : dir;
    if (source === 'PATH' && !existsSync(join(binDir, 'peer'))) continue;
    const missing = FABRIC_TOOLS.filter((t) => !isExecutable(join(binDir, t)));
    const configDir = join(dirname(binDir), 'config');
    const missingConfig = ['core.yaml', 'orderer.yaml'].filter((f) => !existsSync(join(configDir, f)));
    if (missing.length > 0 || missingConfig.length > 0) {
      const what = [...missing.map((t) => `${join(binDir, t)}`), ...missingConfig.map((f) => join(configDir, f))];
      tried.push(`${source} ${dir}: missing ${what.join(', ')}`);
      continue;
    }
    const tools = Object.fromEntries(FABRIC_TOOLS.map((t) => [t, join(binDir, t)])) as Record<FabricTool, string>;
    const version = await peerVersion(tools.peer, configDir);
    const major = Number(version.split('.')[0]);
    if (major !== 2 && major !== 3) {
      throw new ConfigError(networkFile, 'binaries', `${tools.peer} is Fabric ${version}; native networks need Fabric 2.x or 3.x (channel participation and external builders)`, `point at a Fabric 2.5 or 3.0 release; ${GET_THEM}`);
    }
    return { tools, configDir, version, major, source };
  }
  if (candidates.length === 0 || tried.length === 0) {
    tried.push(binariesField === undefined && !env.FABRIC_BIN ? `PATH (${env.PATH ?? ''}): no peer binary in any folder` : 'nothing usable');
  }
  throw new ConfigError(networkFile, 'binaries', `no usable Fabric binaries (${FABRIC_TOOLS.join(', ')}; config/core.yaml, config/orderer.yaml). Looked at: ${tried.join('; ')}`, GET_THEM);
}

/** Whether `path` is a file someone may execute. */
export function isExecutable(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** What `peer version` prints, and the release it names (`2.5.12`), if it names one. */
export async function readPeerVersion(peer: string, configDir: string, env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; version?: string }> {
  const { stdout } = await promisify(execFile)(peer, ['version'], { env: { ...env, FABRIC_CFG_PATH: configDir }, timeout: 20_000 });
  return { stdout, version: /Version:\s*v?(\d+\.\d+\.\d+)/.exec(stdout)?.[1] };
}

async function peerVersion(peer: string, configDir: string): Promise<string> {
  const { stdout, version } = await readPeerVersion(peer, configDir);
  if (!version) throw new Error(`could not read the Fabric version from \`${peer} version\`:\n${stdout}`);
  return version;
}
