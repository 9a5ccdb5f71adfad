/**
 * The `peer` CLI aimed at one peer of a network someone else runs, acting as its organization's
 * admin: the environment Fabric's own scripts set (CORE_PEER_*), the TLS CA files the CLI wants as
 * files, the orderer flags, and JSON answers parsed. Every call runs under the ProcessSupervisor, its
 * output in its own log file (no key material is ever on a command line or in the output).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FabricBinaries } from '../fabric/binaries.ts';
import type { ProcessSupervisor } from '../fabric/processes.ts';
import type { PlannedOrderer, PlannedPeer } from './plan.ts';

/** Runs peer CLI calls; see the module comment. */
export class PeerCli {
  private calls = 0;
  private readonly tlsDir: string;

  /**
   * @param mspDirs the temporary admin MSP folder of each organization (key of organizations:).
   * @param mspIds the MSP id of each organization.
   */
  constructor(
    private readonly bin: Pick<FabricBinaries, 'configDir'> & { tools: Pick<FabricBinaries['tools'], 'peer'> },
    private readonly procs: ProcessSupervisor,
    stateDir: string,
    private readonly mspDirs: Map<string, string>,
    private readonly mspIds: Map<string, string>,
  ) {
    this.tlsDir = join(stateDir, 'tls');
    mkdirSync(this.tlsDir, { recursive: true, mode: 0o700 });
  }

  /**
   * Runs `peer <args>` against `peer` as its organization's admin; resolves with the output.
   * `manyPeers`: the call also dials other peers (`--peerAddresses`), so no host name override is set.
   * `timeoutMs`: the call is ended and rejected after this long.
   */
  run(what: string, peer: PlannedPeer, args: string[], manyPeers = false, timeoutMs = 120_000): Promise<string> {
    // Each call its own log: the supervisor appends to a file of the same name.
    const name = `peer-${String(++this.calls).padStart(3, '0')}-${what}-${peer.name}`.replace(/[^\w.-]/g, '_');
    return this.procs.run(name, this.bin.tools.peer, args, { env: this.env(peer, manyPeers), timeoutMs });
  }

  /** Runs a call whose answer is JSON (`-O json`) and parses it. */
  async json<T>(what: string, peer: PlannedPeer, args: string[]): Promise<T> {
    return parseJsonOutput<T>(await this.run(what, peer, [...args, '-O', 'json']));
  }

  /** `--peerAddresses` / `--tlsRootCertFiles` for endorsing peers. */
  /** The peers of `peers` whose `peer channel list` does not show `channel`. */
  async notJoined(peers: PlannedPeer[], channel: string): Promise<PlannedPeer[]> {
    const missing: PlannedPeer[] = [];
    for (const p of peers) {
      const out = await this.run('channel-list', p, ['channel', 'list']);
      if (!out.split('\n').some((l) => l.trim() === channel)) missing.push(p);
    }
    return missing;
  }

  peerArgs(peers: PlannedPeer[]): string[] {
    return peers.flatMap((p) => ['--peerAddresses', p.endpoint, ...(p.tls ? ['--tlsRootCertFiles', this.caFile(`peer-${p.name}`, p.tlsRootCertPem!)] : [])]);
  }

  /** The flags that send a transaction to `orderer`. */
  ordererArgs(orderer: PlannedOrderer): string[] {
    const args = ['-o', orderer.endpoint];
    if (orderer.hostnameOverride) args.push('--ordererTLSHostnameOverride', orderer.hostnameOverride);
    if (orderer.tls) args.push('--tls', '--cafile', this.caFile(`orderer-${orderer.name}`, orderer.tlsRootCertPem!));
    return args;
  }

  private env(peer: PlannedPeer, manyPeers: boolean): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      FABRIC_CFG_PATH: this.bin.configDir,
      CORE_PEER_LOCALMSPID: this.mspIds.get(peer.org),
      CORE_PEER_MSPCONFIGPATH: this.mspDirs.get(peer.org),
      CORE_PEER_ADDRESS: peer.endpoint,
      CORE_PEER_TLS_ENABLED: String(peer.tls),
    };
    if (peer.tls) env.CORE_PEER_TLS_ROOTCERT_FILE = this.caFile(`peer-${peer.name}`, peer.tlsRootCertPem!);
    // The CLI has one override for every peer it dials: set only for calls aimed at this one peer
    // (commit's other endorsing peers must then match their address, as `localhost` does in
    // test-network's certificates).
    if (peer.hostnameOverride && !manyPeers) env.CORE_PEER_TLS_SERVERHOSTOVERRIDE = peer.hostnameOverride;
    return env;
  }

  private caFile(name: string, pem: string): string {
    const path = join(this.tlsDir, `${name.replace(/[^\w.-]/g, '_')}.pem`);
    writeFileSync(path, pem, { mode: 0o600 });
    return path;
  }
}

/** The JSON document in a CLI call's output (the CLI logs to stderr, which the same log holds). */
export function parseJsonOutput<T>(output: string): T {
  const lines = output.split('\n');
  const start = lines.findIndex((l) => l.startsWith('{') || l.startsWith('['));
  if (start < 0) throw new Error(`no JSON in the peer CLI's answer:\n${output.slice(-1000)}`);
  let end = lines.length;
  while (end > start + 1 && !/[}\]]\s*$/.test(lines[end - 1])) end--;
  return JSON.parse(lines.slice(start, end).join('\n')) as T;
}
