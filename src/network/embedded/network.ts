/**
 * Assembles the embedded network in the current process: identities, chaincodes, one ledger and
 * block cutter per channel, one gateway gRPC server per peer, and the operations endpoint.
 */
import type { Server as HttpServer } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import * as protos from '@hyperledger/fabric-protos';
import { ConfigError } from '../../config/errors.ts';
import type { EmbeddedNetworkConfig } from '../../config/network-file.ts';
import { ChaincodeLoadError, loadChaincode, type ShimChaincode } from './chaincode.ts';
import type { ChaincodeLogs } from './chaincode-log.ts';
import { ConflictLog } from './conflict-log.ts';
import { type ChannelView, type DeployedChaincode, deployChaincode, type Peer } from './endorser.ts';
import { deliverService, deliverServiceDefinition, FilteredBlockFeed } from './deliver.ts';
import { gatewayService, gatewayServiceDefinition } from './gateway.ts';
import { type CaMaterial, createCa, IdentityChecker, issueCert, loadCa, serializeIdentity } from './identities.ts';
import { ChannelLedger, type StoredEvent, type TxStatus } from './ledger.ts';
import { createMetrics, type NetworkMetrics } from './metrics.ts';
import { startOperations } from './operations.ts';
import { BlockCutter } from './orderer.ts';
import { Simulation } from './stub.ts';
import { commitBlock, type PreparedTx, type ValidatorContext } from './validator.ts';

/** The connection file the embedded network writes (the agreement with the fabric-gateway connector). */
export interface ConnectionFile {
  kind: 'ledgerbench-connection';
  version: 1;
  channel: string;
  channels: string[];
  peers: Array<{ name: string; mspId: string; endpoint: string; tlsRootCertPem?: string; hostnameOverride: string }>;
  identities: Array<{ name: string; mspId: string; certPem: string; keyPem: string }>;
  chaincodes: Array<{ name: string; channel: string }>;
  operationsUrl: string;
}

/** A channel as the network runs it. */
export interface ChannelRuntime extends ChannelView {
  cutter: BlockCutter<PreparedTx>;
  validator: ValidatorContext;
  /** Committed blocks in filtered form, for the Deliver service. */
  blocks: FilteredBlockFeed;
}

/**
 * gRPC server options of every peer. Channelz off: with it on, grpc-js wraps every stream in call
 * counters and trace bookkeeping for a debugging service this network does not offer.
 */
const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_receive_message_length': 100 * 1024 * 1024,
  'grpc.max_send_message_length': 100 * 1024 * 1024,
  'grpc.enable_channelz': 0,
};

/** Unendorsed-but-never-submitted transactions are forgotten after this long. */
const PREPARED_TTL_MS = 10 * 60_000;

/** Shared state of a running network, used by every peer's gateway service. */
export class NetworkCore {
  readonly channels = new Map<string, ChannelRuntime>();
  readonly peersByOrg = new Map<string, Peer[]>();
  readonly identities: IdentityChecker;
  readonly verifySignatures: boolean;
  readonly metrics: NetworkMetrics = createMetrics();
  readonly conflicts = new ConflictLog();
  readonly #addresses = new Map<Peer, string>();
  readonly #prepared = new Map<string, { tx: PreparedTx; at: number }>();
  /** Submitted, not yet committed. */
  readonly #inflight = new Map<string, PreparedTx>();
  readonly #pending = new Set<(err: Error) => void>();
  readonly #streams = new Set<() => void>();
  readonly #sweep: NodeJS.Timeout;
  #stopping = false;

  constructor(identities: IdentityChecker, verifySignatures: boolean) {
    this.identities = identities;
    this.verifySignatures = verifySignatures;
    this.#sweep = setInterval(() => {
      const cutoff = Date.now() - PREPARED_TTL_MS;
      for (const [txId, e] of this.#prepared) {
        if (e.at >= cutoff) break;
        this.#prepared.delete(txId);
      }
    }, 60_000);
    this.#sweep.unref();
  }

  /** Record a peer's gRPC address (for error details). */
  setPeerAddress(p: Peer, address: string): void {
    this.#addresses.set(p, address);
  }

  peerAddress(p: Peer): string {
    return this.#addresses.get(p) ?? p.name;
  }

  /** Keep an endorsed transaction until the client submits it. */
  rememberPrepared(tx: PreparedTx): void {
    this.#prepared.delete(tx.txId);
    this.#prepared.set(tx.txId, { tx, at: Date.now() });
  }

  /**
   * The endorsed transaction for a submit, when its payload is byte-for-byte what was endorsed. A
   * transaction submitted again (in flight or already committed) comes back as a bare duplicate that
   * the validator marks DUPLICATE_TXID, as Fabric's committer would.
   */
  takePrepared(channelName: string, txId: string, payload: Uint8Array): { tx: PreparedTx; duplicate: boolean } | undefined {
    const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    const e = this.#prepared.get(txId);
    if (e && bytes.equals(e.tx.payloadBytes)) {
      this.#prepared.delete(txId);
      this.#inflight.set(txId, e.tx);
      return { tx: e.tx, duplicate: false };
    }
    const channel = this.channels.get(channelName);
    const inflight = this.#inflight.get(txId);
    if (channel && ((inflight && bytes.equals(inflight.payloadBytes)) || channel.ledger.status(txId))) {
      const tx: PreparedTx = {
        txId,
        channel: channel.name,
        chaincode: inflight?.chaincode ?? '',
        fn: inflight?.fn ?? '',
        payloadBytes: bytes,
        creator: inflight?.creator as PreparedTx['creator'],
        sim: new Simulation(),
        prpBytes: new Uint8Array(0),
        endorsements: [],
        timestampMs: 0,
      };
      return { tx, duplicate: true };
    }
    return undefined;
  }

  /** A block has committed these transactions: they are no longer in flight. */
  committed(txs: PreparedTx[]): void {
    for (const tx of txs) this.#inflight.delete(tx.txId);
  }

  /** Answer when the transaction commits; fails when the call is cancelled or the network stops. */
  awaitCommit(channel: ChannelRuntime, txId: string, call: grpc.ServerUnaryCall<unknown, unknown>, done: (err: Error | null, s?: TxStatus) => void): void {
    if (this.#stopping) {
      done(new Error('the embedded network is stopping'));
      return;
    }
    const w = channel.ledger.waitForStatus(txId);
    const fail = (err: Error) => {
      w.cancel();
      this.#pending.delete(fail);
      done(err);
    };
    this.#pending.add(fail);
    call.on('cancelled', () => {
      w.cancel();
      this.#pending.delete(fail);
    });
    w.promise.then((s) => {
      if (!this.#pending.delete(fail)) return;
      done(null, s);
    });
  }

  /** Stream a chaincode's events from a start block, past blocks first, then as blocks commit. */
  streamEvents(
    channel: ChannelRuntime,
    req: InstanceType<typeof protos.gateway.ChaincodeEventsRequest>,
    call: grpc.ServerWritableStream<unknown, unknown>,
  ): void {
    const cc = req.getChaincodeId();
    const pos = req.getStartPosition();
    const TC = protos.orderer.SeekPosition.TypeCase;
    const height = channel.ledger.height;
    let start = height;
    switch (pos?.getTypeCase()) {
      case TC.SPECIFIED:
        start = pos.getSpecified()!.getNumber();
        break;
      case TC.OLDEST:
        start = 0;
        break;
      case TC.NEWEST:
        start = height - 1;
        break;
    }
    const afterTx = req.getAfterTransactionId();
    const send = (blockNumber: number, events: StoredEvent[]) => {
      if (blockNumber < start) return;
      let list = events.filter((e) => e.chaincodeId === cc);
      if (afterTx && blockNumber === start) {
        const i = list.findIndex((e) => e.txId === afterTx);
        if (i >= 0) list = list.slice(i + 1);
      }
      if (list.length === 0) return;
      const resp = new protos.gateway.ChaincodeEventsResponse();
      resp.setBlockNumber(blockNumber);
      resp.setEventsList(
        list.map((e) => {
          const ev = new protos.peer.ChaincodeEvent();
          ev.setChaincodeId(e.chaincodeId);
          ev.setTxId(e.txId);
          ev.setEventName(e.eventName);
          ev.setPayload(e.payload);
          return ev;
        }),
      );
      call.write(resp);
    };
    for (const b of channel.ledger.eventBlocks) send(b.blockNumber, b.events);
    const unsubscribe = channel.ledger.onBlock(send);
    const end = () => {
      unsubscribe();
      this.#streams.delete(end);
      if (!call.cancelled) call.end();
    };
    this.#streams.add(end);
    call.on('cancelled', () => {
      unsubscribe();
      this.#streams.delete(end);
    });
  }

  /** End a server stream (`end`) when the network stops, unless untracked first. */
  trackStream(end: () => void): void {
    this.#streams.add(end);
  }

  untrackStream(end: () => void): void {
    this.#streams.delete(end);
  }

  /** Fail pending commit-status calls, end event streams, stop block cutters. */
  shutdown(): void {
    this.#stopping = true;
    clearInterval(this.#sweep);
    for (const ch of this.channels.values()) ch.cutter.close();
    const err = new Error('the embedded network is stopping; the transaction commit status is unknown');
    for (const fail of [...this.#pending]) fail(err);
    for (const end of [...this.#streams]) end();
  }
}

/** A started embedded network. */
export interface RunningNetwork {
  connection: ConnectionFile;
  operationsUrl: string;
  core: NetworkCore;
  /** Stops servers; pending calls fail with UNAVAILABLE. */
  stop(): Promise<void>;
}

/** `Org1MSP` -> `org1.example.com`, the naming Fabric's test network uses. */
export function orgDomain(mspId: string): string {
  return `${mspId.replace(/MSP$/i, '').toLowerCase()}.example.com`;
}

/** Options of {@link startEmbeddedNetwork}. */
export interface EmbeddedNetworkOptions {
  /** Give each chaincode a log file here for its console output (see routeChaincodeConsole). */
  chaincodeLogs?: ChaincodeLogs;
}

/** Start the embedded network in this process. Chaincode that does not load throws ConfigError. */
export async function startEmbeddedNetwork(cfg: EmbeddedNetworkConfig, opts: EmbeddedNetworkOptions = {}): Promise<RunningNetwork> {
  const cas = new Map<string, CaMaterial>();
  const identities: ConnectionFile['identities'] = [];
  const peerList: Peer[] = [];
  for (const [i, org] of cfg.organizations.entries()) {
    const domain = orgDomain(org.mspId);
    let ca: CaMaterial;
    try {
      ca = org.ca ? await loadCa(org.ca.certFile, org.ca.keyFile) : await createCa(`ca.${domain}`, domain);
    } catch (err) {
      throw new ConfigError(cfg.file, `organizations[${i}].ca`, `cannot be loaded: ${(err as Error).message}`, 'give a PEM certificate and its EC private key');
    }
    cas.set(org.mspId, ca);
    const peers: Peer[] = [];
    for (let p = 0; p < org.peers; p++) {
      const name = `peer${p}.${domain}`;
      const identity = await issueCert(ca, { commonName: name, ou: 'peer', organization: domain });
      peers.push({ name, mspId: org.mspId, identity, serialized: serializeIdentity(org.mspId, identity.certPem) });
    }
    for (let u = 1; u <= org.users; u++) {
      const name = `User${u}@${domain}`;
      const id = await issueCert(ca, { commonName: name, ou: 'client', organization: domain });
      identities.push({ name, mspId: org.mspId, certPem: id.certPem, keyPem: id.keyPem });
    }
    peerList.push(...peers);
  }
  const core = new NetworkCore(new IdentityChecker(new Map([...cas].map(([m, c]) => [m, c.cert]))), cfg.verifySignatures);
  for (const p of peerList) {
    const list = core.peersByOrg.get(p.mspId) ?? [];
    list.push(p);
    core.peersByOrg.set(p.mspId, list);
  }

  const loaded = new Map<string, ShimChaincode>();
  for (const [ci, ch] of cfg.channels.entries()) {
    const ledger = new ChannelLedger(ch.name);
    const chaincodes = new Map<string, DeployedChaincode>();
    for (const [j, cc] of ch.chaincodes.entries()) {
      let impl = loaded.get(cc.path);
      if (!impl) {
        try {
          impl = await loadChaincode(cc.path, { log: opts.chaincodeLogs?.open(cc.name, ch.name) });
        } catch (err) {
          throw new ConfigError(
            cfg.file,
            `channels[${ci}].chaincodes[${j}].path`,
            `chaincode ${cc.name} at ${cc.path} does not load: ${err instanceof ChaincodeLoadError ? err.message : ((err as Error).stack ?? String(err))}`,
            err instanceof ChaincodeLoadError ? err.fix : 'point to a module exporting fabric-contract-api contracts (module.exports.contracts = [...]) or a fabric-shim chaincode with Init/Invoke',
          );
        }
        loaded.set(cc.path, impl);
      }
      chaincodes.set(cc.name, deployChaincode(cc, impl));
    }
    const validator: ValidatorContext = {
      channel: ch.name,
      ledger,
      chaincodes,
      identities: core.identities,
      verifySignatures: cfg.verifySignatures,
      metrics: core.metrics,
      conflicts: core.conflicts,
    };
    const blocks = new FilteredBlockFeed(ch.name);
    const cutter = new BlockCutter<PreparedTx>({ ...cfg.orderer.batchSize, batchTimeoutMs: cfg.orderer.batchTimeoutMs }, (batch) => {
      const blockNumber = ledger.height;
      const codes = commitBlock(validator, blockNumber, batch);
      core.committed(batch);
      blocks.publish(blockNumber, batch, codes);
    });
    core.channels.set(ch.name, { name: ch.name, ledger, chaincodes, cutter, validator, blocks });
    core.metrics.blockchainHeight.set({ channel: ch.name }, ledger.height);
  }

  let tls: { caPem: string; creds: (p: Peer) => Promise<grpc.ServerCredentials> } | undefined;
  if (cfg.tls) {
    const tlsCa = await createCa('tlsca.example.com', 'example.com');
    tls = {
      caPem: tlsCa.certPem,
      creds: async (p) => {
        const server = await issueCert(tlsCa, { commonName: p.name, ou: 'peer', organization: orgDomain(p.mspId), altNames: [p.name, 'localhost', '127.0.0.1'] });
        return grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(server.keyPem), cert_chain: Buffer.from(server.certPem) }], false);
      },
    };
  }

  const servers: grpc.Server[] = [];
  const peersOut: ConnectionFile['peers'] = [];
  let http: HttpServer | undefined;
  try {
    for (const p of peerList) {
      const server = new grpc.Server(SERVER_OPTIONS);
      const creds = tls ? await tls.creds(p) : grpc.ServerCredentials.createInsecure();
      const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', creds, (err, port) => (err ? reject(err) : resolve(port))));
      const endpoint = `127.0.0.1:${port}`;
      core.setPeerAddress(p, endpoint);
      server.addService(gatewayServiceDefinition(), gatewayService(core, p, endpoint));
      server.addService(deliverServiceDefinition(), deliverService(core));
      servers.push(server);
      peersOut.push({ name: p.name, mspId: p.mspId, endpoint, ...(tls ? { tlsRootCertPem: tls.caPem } : {}), hostnameOverride: p.name });
    }
    const ops = await startOperations(core.metrics, core.conflicts);
    http = ops.server;
    const connection: ConnectionFile = {
      kind: 'ledgerbench-connection',
      version: 1,
      channel: cfg.channels[0].name,
      channels: cfg.channels.map((c) => c.name),
      peers: peersOut,
      identities,
      chaincodes: cfg.channels.flatMap((c) => c.chaincodes.map((cc) => ({ name: cc.name, channel: c.name }))),
      operationsUrl: ops.url,
    };
    const httpServer = http;
    return {
      connection,
      operationsUrl: ops.url,
      core,
      stop: async () => {
        core.shutdown();
        // Give the failed calls a moment to be written out before the servers go away.
        await new Promise((r) => setTimeout(r, 20));
        for (const s of servers) s.forceShutdown();
        httpServer.closeAllConnections();
        await new Promise<void>((r) => httpServer.close(() => r()));
      },
    };
  } catch (err) {
    core.shutdown();
    for (const s of servers) s.forceShutdown();
    http?.close();
    throw err;
  }
}
