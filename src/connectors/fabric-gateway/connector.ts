/**
 * The fabric-gateway connector: one gRPC client (h2-client.ts's, or grpc-js's: connector option
 * `transport`), one identity and one fabric-gateway Gateway per worker process. submit() runs
 * Fabric's endorse -> order -> commit flow with the lower-level proposal API so that each phase can
 * be timed and each failure attributed to its phase. Commits are seen on one filtered-block stream
 * per channel (commit-events.ts), or asked for with one CommitStatus call per transaction where that
 * stream cannot be had.
 */
import { performance } from 'node:perf_hooks';
import { type CallOptions, Client, type ClientOptions, connectivityState, credentials, status as GrpcStatus } from '@grpc/grpc-js';
import {
  type Contract,
  connect,
  type Gateway,
  type Proposal,
  type SubmittedTransaction,
  type Transaction,
} from '@hyperledger/fabric-gateway';
import { ConfigError } from '../../config/errors.ts';
import type { Connector, ConnectorContext, ConnectorFactory, TxOutcome, TxRequest } from '../types.ts';
import { type CommitWait, CommitWatcher, type DeliverClient, type WatcherIdentity } from './commit-events.ts';
import { classifyError, commitFailure } from './errors.ts';
import { Http2GrpcClient } from './h2-client.ts';
import { channelForRoundLabel, type FabricIdentityConfig, type FabricNetworkConfig, type FabricPeerConfig, loadFabricNetwork, soleChannelOfContracts } from './profile.ts';
import { newSigner, SIGNER_KINDS, type SignerKind } from './signer.ts';

/** How a submit learns that its transaction committed (connector option `commitWait`). */
export type CommitWaitMode = 'events' | 'status';

/** The names accepted for the connector option `commitWait`; the first is the default. */
export const COMMIT_WAIT_MODES: readonly CommitWaitMode[] = ['events', 'status'];

/** Which gRPC client carries the calls (connector option `transport`). */
export type TransportKind = 'http2' | 'grpc-js';

/** The names accepted for the connector option `transport`; the first is the default. */
export const TRANSPORT_KINDS: readonly TransportKind[] = ['http2', 'grpc-js'];

/** Options read from NetworkRef.options. */
export interface FabricGatewayOptions {
  /** `node-crypto` (default, fast) or `sdk-default` (fabric-gateway's pure-JS signer). */
  signer: SignerKind;
  /**
   * `events` (default): from a filtered-block stream per channel, falling back to `status` when the
   * peer does not open one (no Deliver service, an identity that may not read blocks) or it breaks;
   * `status`: one CommitStatus call per transaction.
   */
  commitWait: CommitWaitMode;
  /**
   * `http2` (default): ledgerbench's own gRPC client over node:http2 (h2-client.ts), which costs the
   * client less CPU a call; it honours the profile's message size, TLS name override and keepalive
   * options. `grpc-js`: @grpc/grpc-js, with every `grpc.*` channel option of the profile.
   */
  transport: TransportKind;
}

/** The identity and gateway peer a worker uses. */
export interface WorkerTarget {
  identity: FabricIdentityConfig;
  peer: FabricPeerConfig;
}

/**
 * Picks worker `workerIndex`'s identity (round robin over all identities) and gateway peer: the
 * workers of one organization are spread round robin over that organization's peers. When the
 * organization has no peer in the file (e.g. a profile listing only another org's peers), any peer is
 * used: a Fabric gateway serves clients of every organization on the channel.
 */
export function selectWorkerTarget(net: FabricNetworkConfig, workerIndex: number): WorkerTarget {
  const ids = interleaveByOrganization(net.identities);
  const identity = ids[workerIndex % ids.length];
  const orgPeers = net.peers.filter((p) => p.mspId === identity.mspId);
  const candidates = orgPeers.length > 0 ? orgPeers : net.peers;
  let rank = 0; // how many lower-numbered workers belong to the same organization
  for (let w = 0; w < workerIndex; w++) {
    if (ids[w % ids.length].mspId === identity.mspId) rank++;
  }
  return { identity, peer: candidates[rank % candidates.length] };
}

/**
 * Orders identities org1's first, org2's first, org1's second, ...: files list them organization by
 * organization, and consecutive workers should land on different organizations' gateway peers, as a
 * real deployment's clients would.
 */
function interleaveByOrganization<T extends { mspId: string }>(ids: T[]): T[] {
  const byOrg = new Map<string, T[]>();
  for (const id of ids) byOrg.set(id.mspId, [...(byOrg.get(id.mspId) ?? []), id]);
  const queues = [...byOrg.values()];
  const out: T[] = [];
  for (let i = 0; out.length < ids.length; i++) for (const q of queues) if (i < q.length) out.push(q[i]);
  return out;
}

/** Validates the connector options (NetworkRef.options). */
export function parseGatewayOptions(file: string, options: Record<string, unknown> | undefined): FabricGatewayOptions {
  return {
    signer: oneOf(file, options, 'signer', 'signer', SIGNER_KINDS),
    commitWait: oneOf(file, options, 'commitWait', 'commit wait', COMMIT_WAIT_MODES),
    transport: oneOf(file, options, 'transport', 'transport', TRANSPORT_KINDS),
  };
}

/** Option `key` of `options`, one of `choices` (the first when absent), or a ConfigError naming them. */
function oneOf<T extends string>(file: string, options: Record<string, unknown> | undefined, key: string, what: string, choices: readonly T[]): T {
  const value = options?.[key] ?? choices[0];
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new ConfigError(file, `options.${key}`, `unknown ${what} ${JSON.stringify(value)}`, `use one of ${choices.join(', ')}`);
  }
  return value as T;
}

/** Fabric's own gRPC client limit, both ways (core.yaml's peer client and the Fabric SDKs): 100 MiB. */
const FABRIC_MAX_MESSAGE_BYTES = 100 * 1024 * 1024;

/**
 * Channel options the connector sets unless the profile's `grpcOptions` say otherwise. Channelz keeps
 * per-call counters and trace entries (three calls a transaction) for a debugging service that
 * nothing in a benchmark queries; without it the calls behave the same and cost less. The message
 * size limits are Fabric's, not grpc-js's 4 MiB receive limit, which a batch read of a few MiB of
 * assets exceeds although every Fabric client would accept it.
 */
const DEFAULT_GRPC_OPTIONS: Readonly<ClientOptions> = Object.freeze({
  'grpc.enable_channelz': 0,
  'grpc.max_receive_message_length': FABRIC_MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': FABRIC_MAX_MESSAGE_BYTES,
});

/** Creates the grpc-js client for a peer (TLS when the peer has a TLS root certificate). */
function newGrpcJsClient(peer: FabricPeerConfig): Client {
  const options: ClientOptions = { ...DEFAULT_GRPC_OPTIONS, ...peer.grpcOptions };
  if (peer.hostnameOverride) {
    options['grpc.ssl_target_name_override'] = peer.hostnameOverride;
    options['grpc.default_authority'] = peer.hostnameOverride;
  }
  const creds =
    peer.tls && peer.tlsRootCertPem
      ? credentials.createSsl(Buffer.from(peer.tlsRootCertPem))
      : credentials.createInsecure();
  return new Client(peer.endpoint, creds, options);
}

/** Creates h2-client.ts's client for a peer, with the profile's options that it honours. */
function newHttp2Client(peer: FabricPeerConfig): Http2GrpcClient {
  const options = peer.grpcOptions;
  const number = (key: string): number | undefined => (options[key] === undefined ? undefined : Number(options[key]));
  const override = options['grpc.ssl_target_name_override'];
  return new Http2GrpcClient({
    endpoint: peer.endpoint,
    tlsRootCertPem: peer.tls ? peer.tlsRootCertPem : undefined,
    serverName: peer.hostnameOverride ?? (typeof override === 'string' ? override : undefined),
    maxReceiveBytes: number('grpc.max_receive_message_length') ?? FABRIC_MAX_MESSAGE_BYTES,
    maxSendBytes: number('grpc.max_send_message_length') ?? FABRIC_MAX_MESSAGE_BYTES,
    keepaliveMs: number('grpc.keepalive_time_ms'),
    keepaliveTimeoutMs: number('grpc.keepalive_timeout_ms'),
  });
}

/** The gRPC client of a worker, of either kind. */
interface Transport {
  /**
   * What fabric-gateway's connect() is given. It types its client as grpc-js's Client but calls only
   * makeUnaryRequest on it, which Http2GrpcClient has in the same form; the connector's tests run
   * every call kind (Endorse, Submit, CommitStatus, Evaluate) through both transports.
   */
  gatewayClient: Client;
  deliver: DeliverClient;
  /** Opens the connection before the first transaction, waiting at most `waitMs`. */
  warmUp(waitMs: number): Promise<void>;
  close(): void;
}

function newTransport(kind: TransportKind, peer: FabricPeerConfig): Transport {
  if (kind === 'grpc-js') {
    const client = newGrpcJsClient(peer);
    return { gatewayClient: client, deliver: client, warmUp: (ms) => warmUp(client, ms), close: () => client.close() };
  }
  const client = newHttp2Client(peer);
  return { gatewayClient: client as unknown as Client, deliver: client, warmUp: (ms) => client.connect(ms), close: () => client.close() };
}

/** Longest wait for the first connection when a connector is created. */
const MAX_WARM_UP_MS = 2000;

/**
 * Opens grpc-js's HTTP/2 connection before the first transaction, so the round's first latencies do
 * not include connection setup. Stops waiting as soon as the connection is up or has failed once: a
 * peer that cannot be reached is not an error here; its transactions fail with a `connection` stage
 * and are counted, like any other failure during a round.
 */
function warmUp(client: Client, waitMs: number): Promise<void> {
  const channel = client.getChannel();
  const deadline = Date.now() + waitMs;
  return new Promise((done) => {
    const check = (): void => {
      const state = channel.getConnectivityState(true);
      if (state === connectivityState.READY || state === connectivityState.TRANSIENT_FAILURE || state === connectivityState.SHUTDOWN) {
        done();
        return;
      }
      channel.watchConnectivityState(state, deadline, (err) => (err ? done() : check()));
    };
    check();
  });
}

/**
 * Creates a worker's fabric-gateway connector from `ctx.network.file` (a ledgerbench connection file
 * or a Fabric connection profile) and `ctx.network.options` ({@link FabricGatewayOptions}).
 *
 * @throws ConfigError when the network file or the options are unusable.
 */
export const createFabricGatewayConnector: ConnectorFactory = async (ctx: ConnectorContext): Promise<Connector> => {
  const file = ctx.network.file;
  if (!file) {
    throw new ConfigError(
      'network',
      'network.file',
      'the fabric-gateway connector needs a connection file',
      'set the network file to a ledgerbench connection file or a Fabric connection profile',
    );
  }
  const options = parseGatewayOptions(file, ctx.network.options);
  const net = await loadFabricNetwork(file, { workspace: ctx.network.workspace });
  const { identity, peer } = selectWorkerTarget(net, ctx.workerIndex);
  let signing: ReturnType<typeof newSigner>;
  try {
    signing = newSigner(options.signer, identity.privateKey);
  } catch (err) {
    throw new ConfigError(
      file,
      'options.signer',
      `identity ${identity.name}: ${(err as Error).message}`,
      "use signer: 'sdk-default' for keys that are not ECDSA P-256",
    );
  }
  const transport = newTransport(options.transport, peer);
  await transport.warmUp(Math.min(ctx.txTimeoutMs, MAX_WARM_UP_MS));
  const gateway = connect({
    client: transport.gatewayClient,
    identity: { mspId: identity.mspId, credentials: Buffer.from(identity.certPem) },
    signer: signing.signer,
    hash: signing.hash,
  });
  const watching = options.commitWait === 'events' ? { mspId: identity.mspId, certPem: identity.certPem, signing } : undefined;
  const connector = new FabricGatewayConnector(gateway, transport, net.channel, soleChannelOfContracts(net), ctx.txTimeoutMs, watching);
  connector.channelForLabel = (label) => channelForRoundLabel(net, label);
  // The default channel's stream is open before the first transaction, so none waits for it.
  await connector.watcher(net.channel);
  return connector;
};

/** Longest wait for a peer's first block when a block stream is opened. */
const MAX_STREAM_OPEN_MS = 5000;
/** A broken block stream is reopened at most this often (CommitStatus answers meanwhile). */
const REOPEN_INTERVAL_MS = 1000;

class FabricGatewayConnector implements Connector {
  readonly type = 'fabric-gateway';
  readonly bcType = 'fabric-ccp';
  /** The network file's round label -> channel mapping (Caliper 0.1 `context:`). */
  channelForLabel: (label: string) => string | undefined = () => undefined;
  /** channel -> chaincode -> Contract, so a transaction does not rebuild them. */
  readonly #contracts = new Map<string, Map<string, Contract>>();
  readonly #gateway: Gateway;
  readonly #transport: Transport;
  readonly #channel: string;
  /** Contract -> the one channel the file lists it on, for requests that name no channel. */
  readonly #contractChannels: ReadonlyMap<string, string>;
  readonly #timeoutMs: number;
  /** Who signs the block streams' seek requests; undefined in `status` mode. */
  readonly #watching: WatcherIdentity | undefined;
  /** Channel -> its block stream, or null where the peer would not open one (CommitStatus then). */
  readonly #watchers = new Map<string, CommitWatcher | null>();
  readonly #opening = new Map<string, Promise<CommitWatcher | null>>();
  /** Channel -> when its broken stream was last reopened (Date.now()). */
  readonly #reopenedAt = new Map<string, number>();
  #closed = false;

  constructor(gateway: Gateway, transport: Transport, channel: string, contractChannels: ReadonlyMap<string, string>, timeoutMs: number, watching: WatcherIdentity | undefined) {
    this.#gateway = gateway;
    this.#transport = transport;
    this.#channel = channel;
    this.#contractChannels = contractChannels;
    this.#timeoutMs = timeoutMs;
    this.#watching = watching;
  }

  /**
   * The block stream of `channel`, opened on first use; null in `status` mode, where the peer refused
   * it, or while a broken one is being reopened (its transactions then ask CommitStatus).
   */
  async watcher(channel: string): Promise<CommitWatcher | null> {
    const known = this.#watchers.get(channel);
    return known === undefined ? this.#open(channel) : this.#usable(channel, known);
  }

  /** The stream to use now. A broken one is reopened in the background, at most once a second. */
  #usable(channel: string, known: CommitWatcher | null): CommitWatcher | null {
    if (!known?.broken) return known;
    if (!this.#opening.has(channel) && Date.now() - (this.#reopenedAt.get(channel) ?? 0) >= REOPEN_INTERVAL_MS) {
      this.#reopenedAt.set(channel, Date.now());
      void this.#open(channel);
    }
    return null;
  }

  #open(channel: string): Promise<CommitWatcher | null> {
    const watching = this.#watching;
    if (!watching) return Promise.resolve(null);
    let opening = this.#opening.get(channel);
    if (opening) return opening;
    const first = !this.#watchers.has(channel);
    const onBroken = (why: string) =>
      console.warn(`fabric-gateway connector: the block stream of channel ${channel} broke (${why}); commits are asked for with CommitStatus until it is reopened`);
    opening = CommitWatcher.open(this.#transport.deliver, channel, watching, Math.min(this.#timeoutMs, MAX_STREAM_OPEN_MS), onBroken).then(
      (w) => w,
      (err: Error) => {
        if (first) console.warn(`fabric-gateway connector: no block stream for channel ${channel} (${err.message}); commits are asked for with CommitStatus, one call per transaction`);
        return null;
      },
    );
    opening = opening.then((w) => {
      this.#opening.delete(channel);
      if (this.#closed) {
        w?.close();
        return null;
      }
      // A first refusal is final (the peer said no); a failed reopen keeps the broken stream, to be
      // tried again later.
      if (w || first) this.#watchers.set(channel, w);
      return w;
    });
    this.#opening.set(channel, opening);
    return opening;
  }

  async submit(req: TxRequest): Promise<TxOutcome> {
    // One absolute deadline for the whole transaction, shared by its calls.
    const deadline = Date.now() + (req.timeoutMs ?? this.#timeoutMs);
    const call: CallOptions = { deadline };
    const channel = this.#channelOf(req);
    const known = this.#watchers.get(channel);
    const watcher = known === undefined ? await this.watcher(channel) : this.#usable(channel, known);
    let txId = '';
    let t = performance.now();
    let proposal: Proposal;
    let transaction: Transaction;
    try {
      proposal = this.#contract(req).newProposal(req.fn, {
        arguments: req.args,
        transientData: req.transient,
        endorsingOrganizations: req.endorsingOrgs,
      });
      txId = proposal.getTransactionId();
      transaction = await proposal.endorse(call);
    } catch (err) {
      return classifyError(err, 'endorse', txId);
    }
    const endorse = performance.now() - t;
    t = performance.now();
    // Registered before Submit: with a full batch, the block can arrive before Submit's answer.
    const wait: CommitWait | undefined = watcher?.wait(txId, deadline);
    let commit: SubmittedTransaction;
    try {
      commit = await transaction.submit(call);
    } catch (err) {
      wait?.cancel();
      return withPhases(classifyError(err, 'order', txId), { endorse });
    }
    const order = performance.now() - t;
    t = performance.now();
    let code: number;
    const seen = wait ? await wait.seen : undefined;
    if (seen?.kind === 'committed') code = seen.code;
    else if (seen?.kind === 'timeout') {
      const err = { code: GrpcStatus.DEADLINE_EXCEEDED, message: `no block with transaction ${txId} before its deadline` };
      return withPhases(classifyError(err, 'commit', txId), { endorse, order });
    } else {
      // Status mode, or the stream broke while this transaction waited.
      try {
        code = (await commit.getStatus(call)).code;
      } catch (err) {
        return withPhases(classifyError(err, 'commit', txId), { endorse, order });
      }
    }
    const phases = { endorse, order, commit: performance.now() - t };
    if (code !== 0) return commitFailure(code, txId, phases);
    return { ok: true, payload: transaction.getResult(), txId, phases };
  }

  async evaluate(req: TxRequest): Promise<TxOutcome> {
    const t = performance.now();
    try {
      const proposal = this.#contract(req).newProposal(req.fn, {
        arguments: req.args,
        transientData: req.transient,
        endorsingOrganizations: req.endorsingOrgs,
      });
      const payload = await proposal.evaluate({ deadline: Date.now() + (req.timeoutMs ?? this.#timeoutMs) });
      return { ok: true, payload, phases: { evaluate: performance.now() - t } };
    } catch (err) {
      return classifyError(err, 'evaluate');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#watchers.values()) w?.close();
    this.#gateway.close();
    this.#transport.close();
  }

  #channelOf(req: TxRequest): string {
    return req.channel ?? this.#contractChannels.get(req.contract) ?? this.#channel;
  }

  #contract(req: TxRequest): Contract {
    const channel = this.#channelOf(req);
    let byName = this.#contracts.get(channel);
    if (!byName) {
      byName = new Map();
      this.#contracts.set(channel, byName);
    }
    let contract = byName.get(req.contract);
    if (!contract) {
      contract = this.#gateway.getNetwork(channel).getContract(req.contract);
      byName.set(req.contract, contract);
    }
    return contract;
  }
}

/** Attaches the phases that completed before a failure. */
function withPhases(out: TxOutcome, phases: Record<string, number>): TxOutcome {
  out.phases = phases;
  return out;
}
