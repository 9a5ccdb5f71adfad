/**
 * A Fabric 1.4 network brought up natively from the 1.4 release binaries, the way the seeds' networks
 * ran: a solo orderer booting from a system channel's genesis block, `peer channel create/join`, anchor
 * peer updates, and Node chaincode installed and instantiated with `peer chaincode install/instantiate`
 * on peers in chaincode dev mode, where ledgerbench starts each chaincode process itself and it
 * registers with its peer (1.4 has no external builders, and this machine has no Docker). No TLS, as
 * in the seed's 1.4 network file. Reached through the fabric-legacy connector with a Caliper
 * fabric-ccp file written next to the network's crypto material.
 *
 * Shares the 2.x network's layout (topology.ts), crypto (cryptogen), process supervision (watchdog,
 * logs) and readiness checks; only what differs in 1.4 lives in this folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { dump } from 'js-yaml';
import { writeCaliperProfile } from '../../../connectors/fabric-legacy/caliper-profile.ts';
import type { NetworkHandle } from '../../types.ts';
import { peerAdminEnv } from '../channel.ts';
import { serviceKind } from '../chaincode-service.ts';
import type { FabricChaincodeConfig, FabricNetworkFileConfig } from '../config.ts';
import { writeConnectionFile } from '../connection.ts';
import { generateCrypto } from '../crypto.ts';
import { type ManagedProcess, ProcessSupervisor, readTail } from '../processes.ts';
import { listening, waitUntil } from '../readiness.ts';
import { type PeerNode, planTopology, type Topology } from '../topology.ts';
import { CHANNEL_PROFILE, configtx14, GENESIS_PROFILE, orgName } from './configtx.ts';
import { writeOrderer14Config, writePeer14Config } from './node-config.ts';

const NODE_START_TIMEOUT_MS = 30_000;
const CHAINCODE_READY_TIMEOUT_MS = 60_000;
const SYSTEM_CHANNEL = 'ledgerbench-sys';

/** A running Fabric 1.4 network. */
export interface Fabric14NetworkHandle extends NetworkHandle {
  version: string;
  stateDir: string;
  processes(): ManagedProcess[];
  watchdogPid: number;
}

/** Where the 1.4 binaries are: the file's `binaries`, else FABRIC_BIN (a folder with bin/ and config/). */
function findBinaries(cfg: FabricNetworkFileConfig, env: NodeJS.ProcessEnv): { bin: (tool: string) => string; configDir: string; version: string } {
  const root = cfg.binaries ?? env.FABRIC_BIN;
  if (!root) throw new Error(`${cfg.file}: no Fabric 1.4 binaries: set the binaries field or FABRIC_BIN to an unpacked fabric-1.4 release (bin/ and config/)`);
  const bin = (tool: string) => join(root, 'bin', tool);
  for (const tool of ['peer', 'orderer', 'configtxgen', 'cryptogen']) {
    if (!existsSync(bin(tool))) throw new Error(`${cfg.file}: ${bin(tool)} is missing; a Fabric 1.4 release has bin/peer, orderer, configtxgen, cryptogen`);
  }
  const out = execFileSync(bin('peer'), ['version'], { encoding: 'utf8', env: { ...env, FABRIC_CFG_PATH: join(root, 'config') } });
  const version = /Version:\s*(\S+)/.exec(out)?.[1] ?? 'unknown';
  if (!version.startsWith('1.')) throw new Error(`${cfg.file}: ${bin('peer')} is Fabric ${version}, not 1.x`);
  return { bin, configDir: join(root, 'config'), version };
}

/** The `peer` CLI acting as the admin of `peer`'s organization against `peer`: 2.x's, without TLS. */
function adminEnv(topology: Topology, peer: PeerNode): NodeJS.ProcessEnv {
  const { CORE_PEER_TLS_ROOTCERT_FILE: _unused, ...env } = peerAdminEnv(topology, peer);
  return { ...env, CORE_PEER_TLS_ENABLED: 'false' };
}

/** Options of {@link startFabric14Network}. */
export interface Fabric14StartOptions {
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  /**
   * Start the nodes and write the channel artifacts (`channels/<ch>.tx`, the channel creation
   * transactions) but create no channel and deploy nothing: a network as someone else would have
   * started it before Caliper's steps 2 to 5 (tests of src/network/existing).
   */
  nodesOnly?: boolean;
}

/** Brings the network of `cfg` up with Fabric 1.4; see the module comment. */
export async function startFabric14Network(cfg: FabricNetworkFileConfig, opts: Fabric14StartOptions = {}): Promise<Fabric14NetworkHandle> {
  const log = opts.log ?? (() => {});
  if (cfg.orderer.nodes !== 1) throw new Error(`${cfg.file}: orderer.nodes is ${cfg.orderer.nodes}; ledgerbench's Fabric 1.4 network has one solo orderer (write nodes: 1)`);
  const { bin, configDir, version } = findBinaries(cfg, opts.env ?? process.env);
  const stateDir = mkdtempSync(join(tmpdir(), 'ledgerbench-fabric14-'));
  const logDir = join(stateDir, 'logs');
  mkdirSync(logDir, { mode: 0o700 });
  const procs = new ProcessSupervisor(logDir, stateDir);
  procs.removeOnOwnerDeath(stateDir);
  const stopAll = async () => {
    await procs.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
  try {
    const topology = await planTopology(cfg, stateDir);
    await generateCrypto(cfg, topology, bin('cryptogen'), procs);
    const channelDir = topology.channelDir;
    mkdirSync(channelDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(channelDir, 'configtx.yaml'), dump(configtx14(cfg, topology), { lineWidth: -1, noRefs: true }), { mode: 0o600 });
    const configtxgen = (name: string, args: string[]) => procs.run(name, bin('configtxgen'), [...args, '-configPath', channelDir], { env: { ...process.env, FABRIC_CFG_PATH: channelDir } });
    const genesis = join(channelDir, 'genesis.block');
    await configtxgen('configtxgen-genesis', ['-profile', GENESIS_PROFILE, '-channelID', SYSTEM_CHANNEL, '-outputBlock', genesis]);
    for (const ch of cfg.channels) {
      await configtxgen(`configtxgen-${ch.name}`, ['-profile', CHANNEL_PROFILE, '-channelID', ch.name, '-outputCreateChannelTx', join(channelDir, `${ch.name}.tx`)]);
      for (const org of topology.orgs) {
        await configtxgen(`configtxgen-${ch.name}-${orgName(org.mspId)}-anchors`, ['-profile', CHANNEL_PROFILE, '-channelID', ch.name, '-asOrg', orgName(org.mspId), '-outputAnchorPeersUpdate', join(channelDir, `${ch.name}-${org.mspId}-anchors.tx`)]);
      }
    }
    log(`fabric 1.4 network "${cfg.name}": crypto and channel artifacts written`);

    const orderer = topology.orderers[0];
    writeOrderer14Config(configDir, orderer, genesis);
    for (const org of topology.orgs) for (const p of org.peers) writePeer14Config(configDir, p, org.peers);
    const nodes = [
      { process: procs.start(orderer.name, bin('orderer'), [], { env: { ...process.env, FABRIC_CFG_PATH: orderer.homeDir }, cwd: orderer.homeDir }), host: orderer.host, port: orderer.port, operationsPort: orderer.operationsPort },
      ...topology.peers.map((p) => ({
        process: procs.start(p.name, bin('peer'), ['node', 'start', '--peer-chaincodedev=true'], { env: { ...process.env, FABRIC_CFG_PATH: p.homeDir }, cwd: p.homeDir }),
        host: p.host,
        port: p.port,
        operationsPort: p.operationsPort,
      })),
    ];
    const nodeProcesses = nodes.map((n) => n.process);
    // Ready when its gRPC listener accepts connections. (/healthz of the 1.4 operations server
    // sometimes never answered here although the node ran and served gRPC; it stays the metrics URL.)
    await Promise.all(nodes.map(({ process: p, port }) => waitUntil(`${p.name} to listen on 127.0.0.1:${port}`, () => listening(`127.0.0.1:${port}`), NODE_START_TIMEOUT_MS, [p])));
    log(`fabric 1.4 network "${cfg.name}": nodes started`);

    const ordererArgs = ['-o', `127.0.0.1:${orderer.port}`];
    const first = topology.peers[0];
    for (const ch of opts.nodesOnly ? [] : cfg.channels) {
      const block = join(channelDir, `${ch.name}.block`);
      await procs.run(`channel-create-${ch.name}`, bin('peer'), ['channel', 'create', ...ordererArgs, '-c', ch.name, '-f', join(channelDir, `${ch.name}.tx`), '--outputBlock', block], { env: adminEnv(topology, first) });
      for (const p of topology.peers) await procs.run(`channel-join-${ch.name}-${p.name}`, bin('peer'), ['channel', 'join', '-b', block], { env: adminEnv(topology, p) });
      for (const org of topology.orgs) {
        await procs.run(`channel-anchors-${ch.name}-${org.mspId}`, bin('peer'), ['channel', 'update', ...ordererArgs, '-c', ch.name, '-f', join(channelDir, `${ch.name}-${org.mspId}-anchors.tx`)], { env: adminEnv(topology, org.peers[0]) });
      }
    }
    if (!opts.nodesOnly) log(`fabric 1.4 network "${cfg.name}": channels created and joined`);

    const chaincodes: ManagedProcess[] = [];
    for (const ch of opts.nodesOnly ? [] : cfg.channels) {
      for (const cc of ch.chaincodes) {
        const started = topology.peers.map((p) => ({ peer: p, process: startDevChaincode(procs, cc, { name: p.name, chaincodeAddress: `127.0.0.1:${p.chaincodePort}` }) }));
        chaincodes.push(...started.map((s) => s.process));
        // In dev mode a proposal for a chaincode that has not registered makes the peer try Docker.
        await Promise.all(
          started.map(({ peer, process: ccProcess }) =>
            waitUntil(`${cc.name}:${cc.version} to register with ${peer.host}`, async () => devChaincodeRegistered(ccProcess), CHAINCODE_READY_TIMEOUT_MS, [ccProcess, ...nodeProcesses]),
          ),
        );
        for (const p of topology.peers) {
          await procs.run(`install-${cc.name}-${p.name}`, bin('peer'), ['chaincode', 'install', '-n', cc.name, '-v', cc.version, '-l', 'node', '-p', cc.path], { env: adminEnv(topology, p) });
        }
        const init = JSON.stringify({ Args: cc.init ? [cc.init.function, ...cc.init.args] : [] });
        await procs.run(`instantiate-${cc.name}`, bin('peer'), ['chaincode', 'instantiate', ...ordererArgs, '-C', ch.name, '-n', cc.name, '-v', cc.version, '-l', 'node', '-c', init, '-P', cc.endorsementPolicy], { env: adminEnv(topology, first) });
        // Instantiation commits with a block: wait until every peer lists the chaincode.
        for (const p of topology.peers) {
          await waitUntil(`${cc.name} to be instantiated on ${p.host}`, async () => {
            const out = await procs.run(`list-${cc.name}-${p.name}`, bin('peer'), ['chaincode', 'list', '--instantiated', '-C', ch.name], { env: adminEnv(topology, p) }).catch(() => '');
            return out.includes(`Name: ${cc.name},`);
          }, CHAINCODE_READY_TIMEOUT_MS, [...nodeProcesses, ...chaincodes]);
        }
      }
    }
    if (!opts.nodesOnly) log(`fabric 1.4 network "${cfg.name}": chaincodes instantiated`);

    const connectionFile = writeConnectionFile(cfg, topology);
    const profile = writeCaliperProfile(connectionFile, join(stateDir, 'fabric-ccp.yaml'), { tls: false });
    const longRunning = [...nodeProcesses, ...chaincodes];
    let stopped: Promise<void> | undefined;
    return {
      ref: { connector: 'fabric-legacy', file: profile },
      pids: longRunning.map((p) => ({ pid: p.pid, name: p.name })),
      // Named after the node's TLS host name, so figures say which peer or orderer they are about.
      metricsUrls: nodes.map((n) => ({ url: `http://127.0.0.1:${n.operationsPort}/metrics`, name: n.host })),
      version,
      stateDir,
      processes: () => procs.list(),
      watchdogPid: procs.watchdogPid,
      stop: () => {
        stopped ??= stopAll();
        return stopped;
      },
    };
  } catch (err) {
    // The node a step waited for, or one that died, is where the cause is: its log goes with the error,
    // read before the state folder (and the logs in it) is removed.
    const message = (err as Error).message;
    const concerned = procs.list().filter((p) => p.exit || message.includes(`${p.name} `));
    const notes = concerned.map((p) => `${p.name} ${p.exit ? `had exited (code ${p.exit.code}, signal ${p.exit.signal})` : 'was running'}; its log ends with:\n${readTail(p.logFile, 30)}`);
    await stopAll();
    if (notes.length === 0) throw err;
    throw new Error(`${message}\n${notes.join('\n')}`, { cause: err });
  }
}

/**
 * The chaincode's registration was accepted: fabric-shim logs that its stream reached the "ready"
 * state (the 1.4 peer logs registrations only at debug level and has no API for them).
 */
export function devChaincodeRegistered(chaincode: ManagedProcess): boolean {
  return readTail(chaincode.logFile, 100).includes('Successfully established communication with peer node');
}

/**
 * Starts one chaincode process for one peer in dev mode: it dials the peer's chaincode listener and
 * registers as `<name>:<version>`, the id 1.4's dev mode expects (`peer.chaincodeAddress`: the
 * peer's chaincodeListenAddress). A contract chaincode runs under
 * fabric-shim's `fabric-chaincode-node start`, a low-level one as its own start script's file; both
 * with the fabric-shim the chaincode folder resolves.
 */
export function startDevChaincode(procs: ProcessSupervisor, cc: Pick<FabricChaincodeConfig, 'name' | 'version' | 'path'>, peer: { name: string; chaincodeAddress: string }): ManagedProcess {
  const kind = serviceKind(cc.path);
  if (!kind) throw new Error(`${cc.path}: its package.json start script is neither "fabric-chaincode-node start" nor "node <file>.js"`);
  const id = `${cc.name}:${cc.version}`;
  const address = peer.chaincodeAddress;
  const entry = kind.kind === 'contract' ? join(dirname(createRequire(join(cc.path, 'package.json')).resolve('fabric-shim/package.json')), 'cli.js') : kind.entry;
  const args = kind.kind === 'contract' ? [entry, 'start', '--peer.address', address, '--chaincode-id-name', id, '--module-path', cc.path] : [entry, '--peer.address', address, '--chaincode-id-name', id];
  return procs.start(`chaincode-${cc.name}-${peer.name}`, process.execPath, args, {
    cwd: resolve(cc.path),
    env: { ...process.env, CORE_CHAINCODE_ID_NAME: id, CORE_PEER_TLS_ENABLED: 'false' },
  });
}
