/**
 * Deploying a channel's chaincodes with Fabric's lifecycle, as chaincode-as-a-service: package (our
 * external builder's type), install on every peer, start one chaincode service per peer (fabric-shim's
 * server mode, see chaincode-service.ts), approve as every organization, commit with one endorsing
 * peer per organization, and send the init transaction when the definition requires one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FabricBinaries } from './binaries.ts';
import { peerAdminEnv } from './channel.ts';
import { serviceCommand, serviceKind, START_SCRIPT_SHAPES } from './chaincode-service.ts';
import type { FabricChaincodeConfig } from './config.ts';
import { ccaasDir } from './node-config.ts';
import { buildCcaasPackage } from './package.ts';
import type { ManagedProcess, ProcessSupervisor } from './processes.ts';
import { listening, waitUntil } from './readiness.ts';
import { freePorts, type PeerNode, type Topology } from './topology.ts';

const SERVICE_START_TIMEOUT_MS = 30_000;

/** One chaincode service process and what it serves. */
export interface ChaincodeService {
  chaincode: string;
  channel: string;
  peer: string;
  packageId: string;
  address: string;
  process: ManagedProcess;
}

/** Deploys `cc` on `channel` and resolves with its running services, one per peer. */
export async function deployChaincode(channel: string, cc: FabricChaincodeConfig, topology: Topology, bin: FabricBinaries, procs: ProcessSupervisor): Promise<ChaincodeService[]> {
  const pkg = buildCcaasPackage(cc);
  const pkgDir = join(topology.stateDir, 'packages');
  mkdirSync(pkgDir, { recursive: true, mode: 0o700 });
  const pkgFile = join(pkgDir, `${pkg.label}.tgz`);
  writeFileSync(pkgFile, pkg.bytes, { mode: 0o600 });

  // Each peer's builder finds where its own chaincode service listens.
  const ports = await freePorts(topology.peers.length);
  const addresses = new Map(topology.peers.map((p, i) => [p, `127.0.0.1:${ports[i]}`]));
  for (const [peer, address] of addresses) {
    writeFileSync(join(ccaasDir(peer), `${pkg.label}.json`), JSON.stringify({ address, dial_timeout: '10s', tls_required: false }), { mode: 0o600 });
  }

  const services = topology.peers.map((peer) => startService(channel, cc, pkg.packageId, peer, addresses.get(peer)!, topology, procs));
  await Promise.all([
    ...topology.peers.map((peer) => install(peer, pkgFile, pkg.packageId, topology, bin, procs)),
    ...services.map((s) => waitUntil(`chaincode service ${s.process.name} to listen on ${s.address}`, () => listening(s.address), SERVICE_START_TIMEOUT_MS, [s.process])),
  ]);

  const definition = ['--channelID', channel, '--name', cc.name, '--version', cc.version, '--sequence', String(cc.sequence), '--signature-policy', cc.endorsementPolicy, ...(cc.init ? ['--init-required'] : []), ...(cc.collections ? ['--collections-config', cc.collections] : [])];
  const orderer = ordererArgs(topology);
  const firstPeers = topology.orgs.map((o) => o.peers[0]);
  await Promise.all(
    firstPeers.map((peer) =>
      procs.run(`approve-${cc.name}-${peer.mspId}`, bin.tools.peer, ['lifecycle', 'chaincode', 'approveformyorg', ...orderer, ...definition, '--package-id', pkg.packageId], {
        env: peerAdminEnv(topology, peer),
      }),
    ),
  );
  const endorsers = firstPeers.flatMap((p) => ['--peerAddresses', `127.0.0.1:${p.port}`, '--tlsRootCertFiles', topology.orgs.find((o) => o.mspId === p.mspId)!.tlsCaFile]);
  await procs.run(`commit-${cc.name}`, bin.tools.peer, ['lifecycle', 'chaincode', 'commit', ...orderer, ...definition, ...endorsers], { env: peerAdminEnv(topology, firstPeers[0]) });
  if (cc.init) {
    // The first transaction of an init-required definition; the CLI waits until it has committed.
    const ctor = JSON.stringify({ function: cc.init.function, Args: cc.init.args });
    await procs.run(`init-${cc.name}`, bin.tools.peer, ['chaincode', 'invoke', ...orderer, '--channelID', channel, '--name', cc.name, '--isInit', '-c', ctor, '--waitForEvent', ...endorsers], {
      env: peerAdminEnv(topology, firstPeers[0]),
    });
  }
  return services;
}

async function install(peer: PeerNode, pkgFile: string, packageId: string, topology: Topology, bin: FabricBinaries, procs: ProcessSupervisor): Promise<void> {
  const out = await procs.run(`install-${packageId.split(':')[0]}-${peer.name}`, bin.tools.peer, ['lifecycle', 'chaincode', 'install', pkgFile], { env: peerAdminEnv(topology, peer) });
  // The id is computed here and must be the peer's, or the services would register under a wrong one.
  if (!out.includes(packageId)) throw new Error(`${peer.name} installed the package under another id than ${packageId}:\n${out.slice(-2000)}`);
}

function startService(channel: string, cc: FabricChaincodeConfig, packageId: string, peer: PeerNode, address: string, topology: Topology, procs: ProcessSupervisor): ChaincodeService {
  const kind = serviceKind(cc.path);
  // The network file was validated; a start script changed since then is reported here.
  if (!kind) throw new Error(`${cc.path}/package.json: the start script must be ${START_SCRIPT_SHAPES}`);
  const { args, env } = serviceCommand(cc.path, kind, packageId, address, topology.stateDir);
  const proc = procs.start(`chaincode-${cc.name}-${peer.name}`, process.execPath, args, { cwd: cc.path, env });
  return { chaincode: cc.name, channel, peer: peer.name, packageId, address, process: proc };
}

function ordererArgs(topology: Topology): string[] {
  const o = topology.orderers[0];
  return ['-o', `127.0.0.1:${o.port}`, '--ordererTLSHostnameOverride', o.host, '--tls', '--cafile', topology.orderer.tlsCaFile];
}
