/**
 * Bringing a `type: fabric` network up natively and down again: crypto material, node configuration,
 * orderers and peers as child processes, channels joined, chaincodes deployed as services, a connection
 * file for the fabric-gateway connector, and readiness checked through the gateway itself. A failure at
 * any step stops whatever had started; the error says which step failed and ends with the log tail of
 * the process concerned.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConfigError } from '../../config/errors.ts';
import type { NetworkHandle } from '../types.ts';
import { type FabricBinaries, findFabricBinaries } from './binaries.ts';
import { installBuilder } from './builder.ts';
import { createGenesisBlocks, joinOrderers, joinPeers } from './channel.ts';
import type { FabricNetworkFileConfig } from './config.ts';
import { type FabricConnectionFile, writeConnectionFile } from './connection.ts';
import { type ConflictEndpoint, startConflictEndpoint } from './conflicts-endpoint.ts';
import { generateCrypto } from './crypto.ts';
import { endorseProbe } from './gateway-probe.ts';
import { type ChaincodeService, deployChaincode } from './lifecycle.ts';
import { CCAAS_DIR_ENV, ccaasDir, writeOrdererConfig, writePeerConfig } from './node-config.ts';
import { type ManagedProcess, ProcessSupervisor, readTail } from './processes.ts';
import { healthy, metricValue, waitUntil } from './readiness.ts';
import { planTopology, type Topology } from './topology.ts';

const NODE_START_TIMEOUT_MS = 30_000;
const CONSENSUS_TIMEOUT_MS = 30_000;
const GOSSIP_TIMEOUT_MS = 60_000;
const GATEWAY_READY_TIMEOUT_MS = 60_000;

/** Options of {@link startFabricNetwork}. */
export interface StartFabricOptions {
  /** Receives progress lines (one per bring-up step, with its duration). */
  log?: (line: string) => void;
  /** Environment to find the binaries in (FABRIC_BIN, PATH); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** A running native Fabric network. */
export interface FabricNetworkHandle extends NetworkHandle {
  /** Fabric version read from the binaries. */
  version: string;
  /** State and logs (crypto, node folders, ledgers, logs/); removed by stop() unless the file set stateDir. */
  stateDir: string;
  /** Seconds each bring-up step took, in order, and `total`. */
  timings: Record<string, number>;
  /** PID of the watchdog that kills the network if its owner dies without stopping it. */
  watchdogPid: number;
}

/**
 * Brings up the network `cfg` describes; see the module comment. Ports are free when picked, but
 * another process may take one before the node binds it: a bring-up that fails with "address already
 * in use" is started once more on fresh ports.
 */
export async function startFabricNetwork(cfg: FabricNetworkFileConfig, opts: StartFabricOptions = {}): Promise<FabricNetworkHandle> {
  const bin = await findFabricBinaries(cfg.file, cfg.binaries, opts.env);
  checkConsensusSupported(cfg, bin);
  try {
    return await bringUp(cfg, bin, opts);
  } catch (err) {
    if (!/address already in use/.test((err as Error).message)) throw err;
    opts.log?.(`fabric network "${cfg.name}": a port was taken before its node could bind it; starting again on fresh ports`);
    return bringUp(cfg, bin, opts);
  }
}

/** SmartBFT exists from Fabric 3.0 on: a 2.x orderer would refuse the channel's genesis block. */
function checkConsensusSupported(cfg: FabricNetworkFileConfig, bin: FabricBinaries): void {
  if (cfg.orderer.type === 'BFT' && bin.major < 3) {
    throw new ConfigError(
      cfg.file,
      'orderer.type',
      `BFT (SmartBFT) needs Fabric 3.x, but the binaries found through ${bin.source} (${bin.tools.peer}) are Fabric ${bin.version}`,
      'point `binaries:` or FABRIC_BIN at a Fabric 3.x release, or write `type: etcdraft` to run Raft on this one',
    );
  }
}

async function bringUp(cfg: FabricNetworkFileConfig, bin: FabricBinaries, opts: StartFabricOptions): Promise<FabricNetworkHandle> {
  const log = opts.log ?? (() => {});
  const started = performance.now();
  const timings: Record<string, number> = {};
  let stepStart = started;
  const step = (name: string) => {
    const now = performance.now();
    timings[name] = round((now - stepStart) / 1000);
    stepStart = now;
    log(`fabric network "${cfg.name}": ${name} ${timings[name]}s`);
  };

  const stateDir = cfg.stateDir ? prepareStateDir(cfg.file, cfg.stateDir) : mkdtempSync(join(tmpdir(), 'ledgerbench-fabric-'));
  const logDir = join(stateDir, 'logs');
  mkdirSync(logDir, { mode: 0o700 });
  const procs = new ProcessSupervisor(logDir, stateDir);
  if (!cfg.stateDir) procs.removeOnOwnerDeath(stateDir);
  let conflicts: ConflictEndpoint | undefined;
  const stopAll = async () => {
    await conflicts?.close();
    await procs.stop();
    // A temp folder goes with the network (it holds private keys); a stateDir of the user's stays,
    // with its logs, until the next start clears it.
    if (!cfg.stateDir) rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const topology = await planTopology(cfg, stateDir);
    await generateCrypto(cfg, topology, bin.tools.cryptogen, procs);
    step('crypto');

    const builderDir = installBuilder(join(stateDir, 'builder'));
    for (const o of topology.orderers) writeOrdererConfig(bin.configDir, o, cfg.orderer.type);
    for (const org of topology.orgs) for (const p of org.peers) writePeerConfig(bin.configDir, p, org, builderDir);
    const nodes = startNodes(topology, bin, procs);
    const blocks = await createGenesisBlocks(cfg, topology, bin, procs);
    await Promise.all(nodes.map(({ process: p, operationsPort }) => waitUntil(`${p.name} to answer /healthz`, () => healthy(operationsPort), NODE_START_TIMEOUT_MS, [p])));
    step('nodes started');

    const nodeProcesses = nodes.map((n) => n.process);
    for (const ch of cfg.channels) {
      const block = blocks.get(ch.name)!;
      await joinOrderers(ch.name, block, topology, bin, procs, nodeProcesses);
      if (cfg.orderer.type === 'BFT') await waitUntil(`the ${topology.orderers.length} SmartBFT orderers to agree on a leader for channel ${ch.name}`, () => bftLeader(topology, ch.name), CONSENSUS_TIMEOUT_MS, nodeProcesses);
      else await waitUntil(`a Raft leader on channel ${ch.name}`, () => raftLeader(topology, ch.name), CONSENSUS_TIMEOUT_MS, nodeProcesses);
      await joinPeers(ch.name, block, topology, bin, procs, nodeProcesses);
    }
    step('channels joined');

    const services: ChaincodeService[] = [];
    await Promise.all([
      (async () => {
        for (const ch of cfg.channels) for (const cc of ch.chaincodes) services.push(...(await deployChaincode(ch.name, cc, topology, bin, procs)));
      })(),
      ...cfg.channels.map((ch) => waitGossip(topology, ch.name, nodeProcesses)),
    ]);
    step('chaincodes deployed, gossip converged');

    const connectionFile = writeConnectionFile(cfg, topology);
    const conn = JSON.parse(readFileSync(connectionFile, 'utf8')) as FabricConnectionFile;
    await waitGateways(cfg, topology, conn, [...nodeProcesses, ...services.map((s) => s.process)]);
    step('gateways endorse');
    conflicts = await startConflictEndpoint(conn, topology);
    timings.total = round((performance.now() - started) / 1000);
    log(`fabric network "${cfg.name}" (Fabric ${bin.version}) ready in ${timings.total}s: ${topology.peers.map((p) => `${p.host} 127.0.0.1:${p.port}`).join(', ')}`);

    const longRunning = [...nodeProcesses, ...services.map((s) => s.process)];
    let stopped: Promise<void> | undefined;
    return {
      // operationsUrl: where the engine asks which keys conflicted in a round (conflicts-endpoint.ts).
      ref: { connector: 'fabric-gateway', file: connectionFile, operationsUrl: conflicts.url },
      pids: longRunning.map((p) => ({ pid: p.pid, name: p.name })),
      // Named after the node's TLS host name, so figures say which peer or orderer they are about.
      metricsUrls: nodes.map((n) => ({ url: `http://127.0.0.1:${n.operationsPort}/metrics`, name: n.host })),
      version: bin.version,
      stateDir,
      timings,
      watchdogPid: procs.watchdogPid,
      stop: () => {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (err) {
    // A node that died is usually the cause of whatever step failed next: say so, with its log.
    // (Read before stopAll, which removes a temp state folder with the logs.)
    const dead = procs.list().filter((p) => p.exit && !(err as Error).message.includes(`${p.name} exited`));
    const notes = dead.map((p) => `${p.name} had exited (code ${p.exit?.code}, signal ${p.exit?.signal}); ${p.logFile} ends with:\n${readTail(p.logFile)}`);
    await stopAll();
    if (dead.length === 0) throw err;
    throw new Error(`${(err as Error).message}\n${notes.join('\n')}`, { cause: err });
  }
}

/** Marks a folder as a ledgerbench Fabric state folder, which a later start may clear. */
const STATE_MARKER = '.ledgerbench-fabric-state';

/**
 * Empties the network file's stateDir for a fresh network. Refuses a folder with content that a
 * ledgerbench network did not write there, so a mistyped path never deletes someone's files.
 */
function prepareStateDir(file: string, dir: string): string {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    if (!existsSync(join(dir, STATE_MARKER))) {
      throw new ConfigError(file, 'stateDir', `${dir} is not empty and was not made by a ledgerbench Fabric network`, 'point stateDir at a new or empty folder (it is cleared at every start)');
    }
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, STATE_MARKER), 'ledgerbench clears this folder when it starts the network again\n');
  return dir;
}

function startNodes(topology: Topology, bin: FabricBinaries, procs: ProcessSupervisor): Array<{ process: ManagedProcess; host: string; operationsPort: number }> {
  const orderers = topology.orderers.map((o) => ({
    host: o.host,
    process: procs.start(o.name, bin.tools.orderer, [], { env: { ...process.env, FABRIC_CFG_PATH: o.homeDir }, cwd: o.homeDir }),
    operationsPort: o.operationsPort,
  }));
  const peers = topology.peers.map((p) => ({
    host: p.host,
    process: procs.start(p.name, bin.tools.peer, ['node', 'start'], { env: { ...process.env, FABRIC_CFG_PATH: p.homeDir, [CCAAS_DIR_ENV]: ccaasDir(p) }, cwd: p.homeDir }),
    operationsPort: p.operationsPort,
  }));
  return [...orderers, ...peers];
}

async function raftLeader(topology: Topology, channel: string): Promise<boolean> {
  const values = await Promise.all(topology.orderers.map((o) => metricValue(o.operationsPort, 'consensus_etcdraft_is_leader', { channel })));
  return values.some((v) => v === 1);
}

/**
 * SmartBFT has no Raft leader metric; Fabric 3 exports its own per channel: `consensus_BFT_cluster_size`
 * (consenters in the channel's config), `consensus_BFT_leader_id` (the leader of the current view) and
 * `consensus_BFT_is_leader`. Ready when every orderer counts all of them, they all name the same leader,
 * and that leader says it is the leader.
 */
async function bftLeader(topology: Topology, channel: string): Promise<boolean> {
  const n = topology.orderers.length;
  const views = await Promise.all(
    topology.orderers.map(async (o) => ({
      size: await metricValue(o.operationsPort, 'consensus_BFT_cluster_size', { channel }),
      leader: await metricValue(o.operationsPort, 'consensus_BFT_leader_id', { channel }),
      isLeader: await metricValue(o.operationsPort, 'consensus_BFT_is_leader', { channel }),
    })),
  );
  const leader = views[0].leader;
  if (!leader || views.some((v) => v.size !== n || v.leader !== leader)) return false;
  // Consenter IDs are 1-based, in the orderers' order (channel.ts).
  return views[leader - 1]?.isLeader === 1;
}

/** Every peer knows every other peer of the channel, its own organization's and the others'. */
async function waitGossip(topology: Topology, channel: string, watch: ManagedProcess[]): Promise<void> {
  const others = topology.peers.length - 1;
  if (others === 0) return;
  await Promise.all(
    topology.peers.map((p) =>
      waitUntil(
        `${p.host} to see the channel's ${others} other peer(s) in gossip on ${channel}`,
        async () => ((await metricValue(p.operationsPort, 'gossip_membership_total_peers_known', { channel })) ?? 0) >= others,
        GOSSIP_TIMEOUT_MS,
        watch,
      ),
    ),
  );
}

async function waitGateways(cfg: FabricNetworkFileConfig, topology: Topology, conn: FabricConnectionFile, watch: ManagedProcess[]): Promise<void> {
  const checks: Array<Promise<void>> = [];
  for (const ch of cfg.channels) {
    for (const cc of ch.chaincodes) {
      // Every organization's gateway must reach every organization's chaincode: the whole mesh.
      for (const org of topology.orgs) {
        const peerIndex = conn.peers.findIndex((p) => p.mspId === org.mspId);
        const identityIndex = conn.identities.findIndex((i) => i.mspId === org.mspId);
        for (const target of topology.orgs) {
          const what = `the gateway of ${conn.peers[peerIndex].name} to reach ${cc.name} on ${target.mspId}'s peers (channel ${ch.name})`;
          checks.push(waitUntil(what, () => endorseProbe(conn, peerIndex, identityIndex, ch.name, cc.name, target.mspId), GATEWAY_READY_TIMEOUT_MS, watch));
        }
      }
    }
  }
  await Promise.all(checks);
}

function round(sec: number): number {
  return Math.round(sec * 100) / 100;
}
