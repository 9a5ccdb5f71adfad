/**
 * Which Fabric line the `peer` CLI for an existing network is: the profile's `ledgerbench.binaries`
 * folder, else FABRIC_BIN, else PATH. Fabric 2.x/3.x go on to `fabric/binaries.ts` (which also wants
 * the tools of a native bring-up); a Fabric 1.4 release has no osnadmin and needs only `peer` here,
 * so it is found by this module alone. Errors are on the profile's `ledgerbench.binaries` field.
 */
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { ConfigError } from '../../config/errors.ts';
import { isExecutable, readPeerVersion } from '../fabric/binaries.ts';

/** The `peer` CLI of a Fabric 1.x release. */
export interface PeerBinaries {
  tools: { peer: string };
  /** The release's config/ folder (core.yaml), the CLI's FABRIC_CFG_PATH. */
  configDir: string;
  /** `1.4.12`, as `peer version` prints it. */
  version: string;
  major: number;
}

const GET_THEM = 'point `ledgerbench: { binaries: ... }` in the profile (or FABRIC_BIN) at the folder of a Fabric release that holds bin/peer and config/core.yaml (https://github.com/hyperledger/fabric/releases)';

/**
 * The first `peer` found (binaries field, else FABRIC_BIN, else PATH) and its version. Throws a
 * ConfigError on `ledgerbench.binaries` naming where it looked.
 */
export async function findPeerCli(file: string, binariesField: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<PeerBinaries> {
  const dirs = binariesField !== undefined ? [binariesField] : env.FABRIC_BIN ? [env.FABRIC_BIN] : (env.PATH ?? '').split(delimiter).filter(Boolean);
  const tried: string[] = [];
  for (const dir of dirs) {
    const binDir = existsSync(join(dir, 'bin', 'peer')) ? join(dir, 'bin') : dir;
    const peer = join(binDir, 'peer');
    const configDir = join(dirname(binDir), 'config');
    if (!isExecutable(peer)) {
      tried.push(`${peer}: not there`);
      continue;
    }
    if (!existsSync(join(configDir, 'core.yaml'))) {
      tried.push(`${join(configDir, 'core.yaml')}: not there (the peer CLI reads it)`);
      continue;
    }
    const { stdout, version } = await readPeerVersion(peer, configDir, env);
    if (!version) throw new ConfigError(file, 'ledgerbench.binaries', `\`${peer} version\` printed no version:\n${stdout}`, GET_THEM);
    return { tools: { peer }, configDir, version, major: Number(version.split('.')[0]) };
  }
  const where = binariesField !== undefined ? 'the binaries field' : env.FABRIC_BIN ? 'FABRIC_BIN' : 'PATH';
  throw new ConfigError(file, 'ledgerbench.binaries', `no Fabric peer CLI found (looked in ${where}: ${tried.join('; ') || 'no folder'})`, GET_THEM);
}
