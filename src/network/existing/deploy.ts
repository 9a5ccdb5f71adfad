/**
 * The seeds' channel and lifecycle steps, through the real `peer` CLI, against a Fabric 2.x/3.x
 * network someone else started (plan.ts says what the profile asks for; with a 1.4 peer CLI,
 * deploy14.ts runs the 1.4 steps instead):
 *
 * 1. every peer and orderer the plan uses accepts connections (ready.ts), within `readyTimeout`;
 * 2. `created: false`: each listed peer that has not joined the channel (`peer channel list`) joins it
 *    with block 0 fetched from the orderer. Creating a channel is not done: see the README;
 * 3. per chaincode, `peer lifecycle chaincode querycommitted` decides:
 *    - committed, and the package this organization approved at that sequence is this folder's (same
 *      name, version and folder hash, read back with `getinstalledpackage`): reuse it, commit nothing;
 *    - not committed: package (Fabric's standard `ccaas` type: the peers dial the service ledgerbench
 *      runs), install on every listed peer, approve as every organization, commit with sequence 1;
 *    - committed but changed: the same with the committed sequence + 1;
 * 4. one chaincode service process per chaincode (every peer dials the same address), and, before the
 *    rounds, an endorsement through every organization's gateway on every organization's peers.
 *
 * The admin MSP folders (keys 0600) live in a temp folder only while the CLI needs them. stop() ends
 * the chaincode services (the network's own nodes are not ledgerbench's to stop).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../config/errors.ts';
import { type FabricBinaries, findFabricBinaries } from '../fabric/binaries.ts';
import { serviceCommand, serviceKind } from '../fabric/chaincode-service.ts';
import type { FabricConnectionFile } from '../fabric/connection.ts';
import { endorseProbe } from '../fabric/gateway-probe.ts';
import { buildStandardCcaasPackage, hashFolder } from '../fabric/package.ts';
import { type ManagedProcess, ProcessSupervisor } from '../fabric/processes.ts';
import { listening, waitUntil } from '../fabric/readiness.ts';
import { freePorts } from '../fabric/topology.ts';
import { findPeerCli } from './binaries.ts';
import { setUp14 } from './deploy14.ts';
import { writeAdminMsp } from './msp.ts';
import { PeerCli } from './peer-cli.ts';
import { type DeployPlan, type PlannedChaincode, type PlannedChannel, type PlannedPeer, type PrebuiltChaincode, prebuiltNotDeployed } from './plan.ts';
import { waitReachable } from './ready.ts';
import { readTarGz } from './tar-read.ts';

const SERVICE_START_TIMEOUT_MS = 30_000;
const GATEWAY_READY_TIMEOUT_MS = 60_000;
const FETCH_RETRY_MS = 20_000;

/** What happened to one chaincode. */
export interface ChaincodeOutcome {
  channel: string;
  chaincode: string;
  /**
   * `reused`: committed and unchanged; `deployed`: sequence 1; `upgraded`: a new sequence. On Fabric
   * 1.4: instantiated at this version already, instantiated now, or `peer chaincode upgrade`d.
   */
  action: 'reused' | 'deployed' | 'upgraded';
  /** The definition's sequence; 0 on Fabric 1.4, which has none. */
  sequence: number;
  /** The package id; `<name>:<version>` on Fabric 1.4; empty for a Go or Java chaincode on 2.x/3.x. */
  packageId: string;
  /**
   * Where its service listens (every peer dials it); on 1.4 the peers' chaincode listeners,
   * comma-separated; empty for a Go or Java chaincode, which the network runs itself.
   */
  address: string;
}

/** The chaincode services ledgerbench runs for an existing network. */
export interface ExistingNetworkSetup {
  outcomes: ChaincodeOutcome[];
  /** Chaincode service processes, for the monitors. */
  services: ManagedProcess[];
  /** Stops the chaincode services and removes the temp folder. */
  stop(): Promise<void>;
}

/** Options of {@link setUpExistingNetwork}. */
export interface SetUpOptions {
  log?: (line: string) => void;
  /** Where FABRIC_BIN and PATH are read; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Runs the plan; see the module comment. On failure everything it started is stopped. */
export async function setUpExistingNetwork(plan: DeployPlan, opts: SetUpOptions = {}): Promise<ExistingNetworkSetup> {
  const log = (line: string) => opts.log?.(`existing network ${plan.file}: ${line}`);
  // The CLI's line decides the steps: Fabric 1.4's `peer chaincode`, or 2.x/3.x's lifecycle.
  const cli14 = await findPeerCli(plan.file, plan.binaries, opts.env ?? process.env);
  const v14 = cli14.major === 1;
  const endpoints = new Map<string, string>();
  for (const ch of plan.channels) {
    for (const p of ch.peers) endpoints.set(p.endpoint, `peer ${p.name}`);
    endpoints.set(ch.orderer.endpoint, `orderer ${ch.orderer.name}`);
    // Dev-mode chaincode dials each peer's chaincode listener: a wrong address is named here.
    if (v14 && ch.chaincodes.length > 0) for (const p of ch.peers) endpoints.set(p.chaincodeAddress, `chaincode listener of peer ${p.name} (${p.chaincodeAddressField})`);
  }
  await waitReachable(plan.file, [...endpoints].map(([endpoint, what]) => ({ endpoint, what })), plan.readyTimeoutMs);
  const bin = v14 ? cli14 : await binaries(plan, opts.env);
  if (v14) log(`Fabric ${cli14.version} peer CLI (${cli14.tools.peer}): the 1.4 steps (peer channel create/join, peer chaincode install/instantiate)`);

  const stateDir = mkdtempSync(join(tmpdir(), 'ledgerbench-existing-'));
  mkdirSync(join(stateDir, 'logs'), { mode: 0o700 });
  const procs = new ProcessSupervisor(join(stateDir, 'logs'), stateDir);
  // It holds admin keys while the CLI runs, and the services' logs after: gone if the owner dies.
  procs.removeOnOwnerDeath(stateDir);
  const stopAll = async () => {
    await procs.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
  const mspRoot = join(stateDir, 'msp');
  try {
    const mspDirs = new Map<string, string>();
    const mspIds = new Map<string, string>();
    for (const [org, { mspId, admin }] of plan.orgs) {
      mspIds.set(org, mspId);
      if (admin) mspDirs.set(org, writeAdminMsp(plan.file, admin, join(mspRoot, org)));
    }
    const cli = new PeerCli(bin, procs, stateDir, mspDirs, mspIds);
    const outcomes: ChaincodeOutcome[] = [];
    const services: ManagedProcess[] = [];
    try {
      if (v14) {
        const done = await setUp14(plan, cli, procs, stateDir, log);
        outcomes.push(...done.outcomes);
        services.push(...done.services);
      } else {
        for (const ch of plan.channels) {
          if (ch.join) await ensureJoined(plan, ch, cli, stateDir, log);
          for (const cc of ch.chaincodes) {
            const { outcome, service } = await ensureChaincode(plan.file, ch, cc, cli, procs, stateDir, log);
            outcomes.push(outcome);
            services.push(service);
          }
          for (const cc of ch.prebuilt) outcomes.push(await usePrebuilt(plan.file, ch, cc, cli, log));
        }
      }
    } finally {
      // The admin keys are needed by the CLI calls only.
      rmSync(mspRoot, { recursive: true, force: true });
    }
    // 1.4 peers have no Gateway; setUp14 waited until every peer lists each chaincode instantiated.
    if (!v14) await waitGateways(plan, outcomes, services);
    return { outcomes, services, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function binaries(plan: DeployPlan, env: NodeJS.ProcessEnv | undefined): Promise<FabricBinaries> {
  try {
    return await findFabricBinaries(plan.file, plan.binaries, env);
  } catch (err) {
    // The field is `ledgerbench.binaries` in a profile.
    if (err instanceof ConfigError) throw new ConfigError(plan.file, 'ledgerbench.binaries', err.problem, err.fix.replace('`binaries:` in the network file', '`ledgerbench: { binaries: ... }` in the profile'));
    throw err;
  }
}

/** `created: false`: every listed peer joins the channel it has not joined yet. */
async function ensureJoined(plan: DeployPlan, ch: PlannedChannel, cli: PeerCli, stateDir: string, log: (l: string) => void): Promise<void> {
  const missing = await cli.notJoined(ch.peers, ch.name);
  if (missing.length === 0) {
    log(`channel ${ch.name}: every listed peer has joined it (created: false, nothing to do)`);
    return;
  }
  const block = join(stateDir, `${ch.name}.block`);
  try {
    await fetchGenesis(cli, missing[0], ch, block);
  } catch (err) {
    throw new ConfigError(
      plan.file,
      `channels.${ch.name}.created`,
      `channel ${ch.name} cannot be fetched from orderer ${ch.orderer.endpoint}, so it does not exist there (or this admin may not read it): ${lastLine((err as Error).message)}. Creating it is not done by ledgerbench on Fabric 2.x/3.x: without a system channel a channel is created on each orderer with \`osnadmin channel join\`, which takes the orderers' admin TLS identity and a genesis block from configtxgen, neither of which a connection profile describes`,
      `create the channel yourself (fabric-samples: ./network.sh createChannel -c ${ch.name}), then run again (created: false then joins the listed peers that have not joined), or use a \`type: fabric\` network file, which ledgerbench brings up with its channels`,
    );
  }
  for (const p of missing) await cli.run('channel-join', p, ['channel', 'join', '-b', block]);
  log(`channel ${ch.name}: joined ${missing.map((p) => p.name).join(', ')}`);
}

/**
 * `peer channel fetch 0`. An orderer that joined the channel a moment ago answers SERVICE_UNAVAILABLE
 * until its consenters have a leader: asked again, as Fabric's own scripts do, for a while.
 */
async function fetchGenesis(cli: PeerCli, peer: PlannedPeer, ch: PlannedChannel, block: string): Promise<void> {
  const deadline = Date.now() + FETCH_RETRY_MS;
  for (;;) {
    try {
      await cli.run('channel-fetch', peer, ['channel', 'fetch', '0', block, '-c', ch.name, ...cli.ordererArgs(ch.orderer)]);
      return;
    } catch (err) {
      if (!/SERVICE_UNAVAILABLE/.test((err as Error).message) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

interface Committed {
  sequence: number;
  version: string;
}

/** The committed definition of `name`, or undefined when there is none. */
async function queryCommitted(cli: PeerCli, peer: PlannedPeer, channel: string, name: string): Promise<Committed | undefined> {
  try {
    return await cli.json<Committed>('querycommitted', peer, ['lifecycle', 'chaincode', 'querycommitted', '-C', channel, '-n', name]);
  } catch (err) {
    if (/namespace \S+ is not defined/.test((err as Error).message)) return undefined;
    throw err;
  }
}

/** The package behind this organization's approval at `sequence`, when it is installed on `peer`. */
async function approvedPackage(cli: PeerCli, peer: PlannedPeer, channel: string, name: string, sequence: number, stateDir: string): Promise<{ packageId: string; file: string; files: Map<string, Buffer> } | undefined> {
  let packageId: string | undefined;
  try {
    const approved = await cli.json<{ source?: { Type?: { LocalPackage?: { package_id?: string } } } }>('queryapproved', peer, ['lifecycle', 'chaincode', 'queryapproved', '-C', channel, '-n', name, '--sequence', String(sequence)]);
    packageId = approved.source?.Type?.LocalPackage?.package_id;
  } catch {
    return undefined;
  }
  if (!packageId) return undefined;
  const dir = join(stateDir, 'packages', `fetched-${name}-${sequence}`);
  rmSync(dir, { recursive: true, force: true });
  try {
    await cli.run('getinstalledpackage', peer, ['lifecycle', 'chaincode', 'getinstalledpackage', '--package-id', packageId, '--output-directory', mkdirp(dir)]);
    const file = join(dir, readdirSync(dir)[0]);
    const outer = readTarGz(readFileSync(file));
    const code = outer.get('code.tar.gz');
    return { packageId, file, files: code ? readTarGz(code) : new Map() };
  } catch {
    // Approved but not installed on this peer, or not a package we can read: not reusable.
    return undefined;
  }
}

/** Deploys, upgrades or reuses one chaincode, and starts its service. */
async function ensureChaincode(planFile: string, ch: PlannedChannel, cc: PlannedChaincode, cli: PeerCli, procs: ProcessSupervisor, stateDir: string, log: (l: string) => void): Promise<{ outcome: ChaincodeOutcome; service: ManagedProcess }> {
  // The 2.x lifecycle here defines chaincodes without --init-required: an init call has no place.
  if (cc.init) throw new ConfigError(planFile, `${cc.field}.init`, 'instantiate arguments (init, function) are Fabric 1.4\'s; the Fabric 2.x/3.x lifecycle ledgerbench runs defines the chaincode without an init transaction', 'remove init and function (initialize in a transaction of the benchmark), or deploy the chaincode yourself and remove `path`');
  const first = ch.peers[0];
  const committed = await queryCommitted(cli, first, ch.name, cc.name);
  const sourceSha256 = hashFolder(cc.path);
  let reuse: { packageId: string; file: string; address: string } | undefined;
  if (committed) {
    const pkg = await approvedPackage(cli, first, ch.name, cc.name, committed.sequence, stateDir);
    const desc = parseJson<{ name?: string; version?: string; sourceSha256?: string }>(pkg?.files.get('ledgerbench.json'));
    const conn = parseJson<{ address?: string }>(pkg?.files.get('connection.json'));
    if (pkg && desc?.name === cc.name && desc.version === cc.version && committed.version === cc.version && desc.sourceSha256 === sourceSha256 && conn?.address) {
      reuse = { packageId: pkg.packageId, file: pkg.file, address: conn.address };
    }
  }

  let packageId: string;
  let address: string;
  let pkgFile: string;
  let sequence: number;
  if (reuse) {
    ({ packageId, address } = reuse);
    pkgFile = reuse.file;
    sequence = committed!.sequence;
    if (await listening(address)) {
      throw new Error(`chaincode ${cc.name} on ${ch.name}: its committed package ${packageId} is served at ${address}, and something already listens there (another ledgerbench run still serving it?); stop it and run again`);
    }
  } else {
    const [port] = await freePorts(1);
    address = `127.0.0.1:${port}`;
    const pkg = buildStandardCcaasPackage(cc, address);
    packageId = pkg.packageId;
    pkgFile = join(mkdirp(join(stateDir, 'packages')), `${pkg.label}.tgz`);
    writeFileSync(pkgFile, pkg.bytes, { mode: 0o600 });
    sequence = (committed?.sequence ?? 0) + 1;
  }

  // Every listed peer must have the package (a peer added since the last deploy gets it now).
  await Promise.all(ch.peers.map((p) => installIfMissing(cli, p, pkgFile, packageId)));
  const service = startService(cc, packageId, address, procs, stateDir);
  if (!reuse) {
    const definition = ['--channelID', ch.name, '--name', cc.name, '--version', cc.version, '--sequence', String(sequence), ...(cc.endorsementPolicy ? ['--signature-policy', cc.endorsementPolicy] : [])];
    const orderer = cli.ordererArgs(ch.orderer);
    const perOrg = [...new Map(ch.peers.map((p) => [p.org, p])).values()];
    await Promise.all(perOrg.map((p) => cli.run('approve', p, ['lifecycle', 'chaincode', 'approveformyorg', ...orderer, ...definition, '--package-id', packageId])));
    await cli.run('commit', first, ['lifecycle', 'chaincode', 'commit', ...orderer, ...definition, ...cli.peerArgs(perOrg)], true);
  }
  await waitUntil(`chaincode service ${service.name} to listen on ${address}`, () => listening(address), SERVICE_START_TIMEOUT_MS, [service]);
  const action = reuse ? 'reused' : committed ? 'upgraded' : 'deployed';
  log(`chaincode ${cc.name} on ${ch.name}: ${action === 'reused' ? `committed sequence ${sequence} is this folder's package, reused (nothing committed)` : `${action}, sequence ${sequence}`}; package ${packageId}, service at ${address}`);
  return { outcome: { channel: ch.name, chaincode: cc.name, action, sequence, packageId, address }, service };
}

/** A Go or Java chaincode: used when committed at the file's version, else a ConfigError. */
async function usePrebuilt(planFile: string, ch: PlannedChannel, cc: PrebuiltChaincode, cli: PeerCli, log: (l: string) => void): Promise<ChaincodeOutcome> {
  const committed = await queryCommitted(cli, ch.peers[0], ch.name, cc.name);
  if (committed?.version !== cc.version) throw prebuiltNotDeployed(planFile, ch.name, cc, committed?.version);
  log(`chaincode ${cc.name} on ${ch.name}: ${cc.language}, committed at version ${cc.version} (sequence ${committed.sequence}), used as deployed`);
  return { channel: ch.name, chaincode: cc.name, action: 'reused', sequence: committed.sequence, packageId: '', address: '' };
}

async function installIfMissing(cli: PeerCli, peer: PlannedPeer, pkgFile: string, packageId: string): Promise<void> {
  const installed = await cli.json<{ installed_chaincodes?: Array<{ package_id: string }> }>('queryinstalled', peer, ['lifecycle', 'chaincode', 'queryinstalled']);
  if (installed.installed_chaincodes?.some((c) => c.package_id === packageId)) return;
  const out = await cli.run('install', peer, ['lifecycle', 'chaincode', 'install', pkgFile]);
  // The id is computed here and must be the peer's, or the service would register under a wrong one.
  if (!out.includes(packageId)) throw new Error(`${peer.name} installed the package under another id than ${packageId}:\n${out.slice(-2000)}`);
}

function startService(cc: PlannedChaincode, packageId: string, address: string, procs: ProcessSupervisor, stateDir: string): ManagedProcess {
  const kind = serviceKind(cc.path);
  // plan.ts checked the start script; one changed since then is reported here.
  if (!kind) throw new Error(`${cc.path}/package.json: the start script changed and is no longer one ledgerbench can run`);
  const { args, env } = serviceCommand(cc.path, kind, packageId, address, stateDir);
  return procs.start(`chaincode-${cc.name}`, process.execPath, args, { cwd: cc.path, env });
}

/** Every organization's gateway endorses on every organization's peers, for every chaincode. */
async function waitGateways(plan: DeployPlan, outcomes: ChaincodeOutcome[], services: ManagedProcess[]): Promise<void> {
  const peers = plan.channels.flatMap((ch) => ch.peers).filter((p, i, all) => all.findIndex((q) => q.name === p.name) === i);
  const conn: FabricConnectionFile = {
    kind: 'ledgerbench-connection',
    version: 1,
    channel: plan.channels[0].name,
    channels: plan.channels.map((c) => c.name),
    peers: peers.map((p) => ({ name: p.name, mspId: p.mspId, endpoint: p.endpoint, tlsRootCertPem: p.tlsRootCertPem ?? '', hostnameOverride: p.hostnameOverride ?? p.endpoint.split(':')[0] })),
    identities: plan.identities.map((id) => ({ name: id.name, mspId: id.mspId, certPem: id.certPem, keyPem: id.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() })),
    chaincodes: [],
  };
  const checks: Array<Promise<void>> = [];
  for (const o of outcomes) {
    const ch = plan.channels.find((c) => c.name === o.channel)!;
    const mspIds = [...new Set(ch.peers.map((p) => p.mspId))];
    for (const from of mspIds) {
      const peerIndex = conn.peers.findIndex((p) => p.mspId === from);
      // Any client identity will do; one of the gateway's own organization if there is one.
      const identityIndex = Math.max(0, conn.identities.findIndex((i) => i.mspId === from));
      for (const target of mspIds) {
        const what = `the gateway of ${conn.peers[peerIndex].name} to reach ${o.chaincode} on ${target}'s peers (channel ${o.channel})`;
        checks.push(waitUntil(what, () => endorseProbe(conn, peerIndex, identityIndex, o.channel, o.chaincode, target), GATEWAY_READY_TIMEOUT_MS, services));
      }
    }
  }
  await Promise.all(checks);
}

function parseJson<T>(b: Buffer | undefined): T | undefined {
  if (!b) return undefined;
  try {
    return JSON.parse(b.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

function mkdirp(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').filter((l) => l.startsWith('Error:')).pop() ?? text.trimEnd().split('\n').pop() ?? '';
}
