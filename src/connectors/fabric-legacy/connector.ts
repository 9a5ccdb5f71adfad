/**
 * The fabric-legacy connector: fabric-network 2.2 for peers without the Gateway service (Fabric 1.4,
 * 2.0-2.3) and for anyone migrating a Caliper fabric-ccp setup. Each worker process has its own
 * Gateway and its own identity in an in-memory wallet. submit() runs the client-side flow a 1.4 / 2.2
 * client runs (endorse on peers, broadcast to an orderer, wait for the commit event) through
 * fabric-network's channel, discovery handler and commit listeners, one step at a time, so each phase
 * is timed and each failure attributed to its phase; fabric-network's Transaction.submit() does the
 * same steps but hides where a transaction spent its time.
 */
import { performance } from 'node:perf_hooks';
// Before fabric-network: fabric-common reads its logging settings when it is first imported.
import './sdk-logging.ts';
import type { Channel, DiscoveryHandler, Endorsement, EndorsementResponse, Endorser, IdentityContext } from 'fabric-common';
import { type Contract, DefaultQueryHandlerStrategies, Gateway, type Network, Wallets, type X509Identity } from 'fabric-network';
import { ConfigError } from '../../config/errors.ts';
import { selectWorkerTarget } from '../fabric-gateway/connector.ts';
import { channelForRoundLabel, soleChannelOfContracts } from '../fabric-gateway/profile.ts';
import type { Connector, ConnectorContext, ConnectorFactory, TxOutcome, TxRequest } from '../types.ts';
import { toCommonConnectionProfile } from './ccp.ts';
import { listenForCommit } from './commit-wait.ts';
import { classifyLegacyError, classifyLegacyProblems, type LegacyProblem, legacyCommitFailure, toProblem } from './errors.ts';
import { LEGACY_OPTION_KEYS, loadLegacyNetwork } from './profile.ts';

/** Validates NetworkRef.options for this connector: only the discovery settings. */
export function checkLegacyOptions(file: string, options: Record<string, unknown> | undefined): void {
  for (const key of Object.keys(options ?? {})) {
    if (!(LEGACY_OPTION_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(file, `options.${key}`, 'is not an option of the fabric-legacy connector', `use ${LEGACY_OPTION_KEYS.join(' or ')}`);
    }
  }
}

/**
 * Creates a worker's fabric-legacy connector from `ctx.network.file` (a Caliper fabric-ccp file, a
 * connection profile, or a ledgerbench connection file with discovery) and `ctx.network.options`
 * (`discovery`, `asLocalhost`).
 *
 * @throws ConfigError when the network file or the options are unusable.
 */
export const createFabricLegacyConnector: ConnectorFactory = async (ctx: ConnectorContext): Promise<Connector> => {
  const file = ctx.network.file;
  if (!file) {
    throw new ConfigError('network', 'network.file', 'the fabric-legacy connector needs a network file', 'set the network file to a Caliper fabric-ccp file or a Fabric connection profile');
  }
  checkLegacyOptions(file, ctx.network.options);
  const net = await loadLegacyNetwork(file, { workspace: ctx.network.workspace, options: ctx.network.options });
  const { identity } = selectWorkerTarget(net.base, ctx.workerIndex);
  const wallet = await Wallets.newInMemoryWallet();
  const walletIdentity: X509Identity = {
    type: 'X.509',
    mspId: identity.mspId,
    // fabric-common takes the key as PEM; it stays in this process's memory, never in a file or a log.
    credentials: { certificate: identity.certPem, privateKey: identity.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() },
  };
  await wallet.put(identity.name, walletIdentity);
  const gateway = new Gateway();
  const timeoutSec = Math.max(1, Math.ceil(ctx.txTimeoutMs / 1000));
  await gateway.connect(toCommonConnectionProfile(net, identity.mspId) as unknown as Record<string, unknown>, {
    wallet,
    identity: identity.name,
    discovery: { enabled: net.discovery.enabled, asLocalhost: net.discovery.asLocalhost },
    // Commit waiting is the connector's own (listenForCommit); queries go round robin over the
    // organization's peers, as Caliper's fabric connectors do.
    eventHandlerOptions: { commitTimeout: timeoutSec, endorseTimeout: timeoutSec },
    queryHandlerOptions: { timeout: timeoutSec, strategy: DefaultQueryHandlerStrategies.MSPID_SCOPE_ROUND_ROBIN },
  });
  const connector = new FabricLegacyConnector(gateway, identity.mspId, new Set(net.base.peers.map((p) => p.name)), net.base.channel, soleChannelOfContracts(net.base), ctx.txTimeoutMs, net.discovery.enabled, net.bcType);
  connector.channelForLabel = (label) => channelForRoundLabel(net.base, label);
  try {
    await connector.warmUp();
  } catch (err) {
    await connector.close();
    const message = (err as Error).message;
    if (/UNIMPLEMENTED/.test(message)) {
      // A Gateway-only server (ledgerbench's embedded network) has no discovery, endorser or deliver service.
      throw new ConfigError(
        file,
        'connector',
        `the peers do not serve Fabric's peer services that fabric-network 2.2 uses (${message}); a server with only the Gateway API, such as ledgerbench's embedded network, can be reached through fabric-gateway only`,
        'use the fabric-gateway connector for this network',
      );
    }
    throw new Error(`fabric-legacy: cannot open channel ${net.base.channel} through ${file}: ${message}`, { cause: err });
  }
  return connector;
};

/** fabric-network's Contract implementation has it; its Contract interface does not declare it. */
interface DiscoveryHandlerSource {
  getDiscoveryHandler(): Promise<DiscoveryHandler | undefined>;
}

/** What a channel needs per transaction, built once. */
interface ChannelState {
  network: Network;
  channel: Channel;
  /** Peers whose commit events this worker listens to: its own organization's, else all. */
  eventPeers: Endorser[];
  contracts: Map<string, Contract>;
  handlers: Map<string, DiscoveryHandler | undefined>;
}

class FabricLegacyConnector implements Connector {
  readonly type = 'fabric-legacy';
  readonly bcType: string;
  /** The network file's round label -> channel mapping (Caliper 0.1 `context:`). */
  channelForLabel: (label: string) => string | undefined = () => undefined;
  readonly #gateway: Gateway;
  readonly #mspId: string;
  readonly #profilePeers: Set<string>;
  readonly #channelName: string;
  /** Contract -> the one channel the file lists it on, for requests that name no channel. */
  readonly #contractChannels: ReadonlyMap<string, string>;
  readonly #timeoutMs: number;
  readonly #discovery: boolean;
  readonly #channels = new Map<string, Promise<ChannelState>>();
  #closed = false;

  constructor(gateway: Gateway, mspId: string, profilePeers: Set<string>, channel: string, contractChannels: ReadonlyMap<string, string>, timeoutMs: number, discovery: boolean, bcType: string) {
    this.bcType = bcType;
    this.#gateway = gateway;
    this.#mspId = mspId;
    this.#profilePeers = profilePeers;
    this.#channelName = channel;
    this.#contractChannels = contractChannels;
    this.#timeoutMs = timeoutMs;
    this.#discovery = discovery;
  }

  /**
   * Opens the default channel (discovery, when on) and starts its event services before the first
   * transaction, so the round's first latencies do not include them.
   */
  async warmUp(): Promise<void> {
    const state = await this.#channel(this.#channelName);
    const waiter = await listenForCommit(state.network, state.eventPeers, 'ledgerbench-warm-up');
    waiter.cancel();
  }

  async submit(req: TxRequest): Promise<TxOutcome> {
    const deadline = Date.now() + (req.timeoutMs ?? this.#timeoutMs);
    const left = () => Math.max(1, deadline - Date.now());
    let txId: string | undefined;
    let t = performance.now();
    let state: ChannelState;
    let endorsement: Endorsement;
    let identity: IdentityContext;
    let handler: DiscoveryHandler | undefined;
    let payload: Uint8Array;
    try {
      state = await this.#channel(req.channel ?? this.#contractChannels.get(req.contract) ?? this.#channelName);
      handler = await this.#handler(state, req.contract);
      identity = this.#gateway.identityContext!.calculateTransactionId();
      endorsement = state.channel.newEndorsement(req.contract);
      endorsement.build(identity, { fcn: req.fn, args: req.args, transientMap: toTransient(req.transient) });
      endorsement.sign(identity);
      txId = endorsement.getTransactionId();
      const sent = handler
        ? await endorsement.send({ handler, requestTimeout: left(), ...(req.endorsingOrgs ? { requiredOrgs: req.endorsingOrgs } : {}) } as never)
        : await endorsement.send({ targets: this.#targets(state.channel, req.endorsingOrgs), requestTimeout: left() });
      const verdict = endorsementVerdict(sent.responses, sent.errors);
      if ('failure' in verdict) return classifyLegacyProblems(verdict.failure, 'endorse', txId);
      payload = verdict.payload;
    } catch (err) {
      return classifyLegacyError(err, 'endorse', txId);
    }
    const endorse = performance.now() - t;
    t = performance.now();
    let waiter: Awaited<ReturnType<typeof listenForCommit>>;
    try {
      waiter = await listenForCommit(state.network, state.eventPeers, txId);
    } catch (err) {
      return withPhases(classifyLegacyError(err, 'commit', txId), { endorse });
    }
    try {
      const commit = endorsement.newCommit();
      commit.build(identity);
      commit.sign(identity);
      const res = handler
        ? await commit.send({ handler, requestTimeout: left() } as never)
        : await commit.send({ targets: state.channel.getCommitters(), requestTimeout: left() });
      if (res.status !== 'SUCCESS') {
        waiter.cancel();
        return withPhases(classifyLegacyProblems([{ message: `orderer answered ${res.status}: ${res.info ?? ''}` }], 'order', txId), { endorse }, `order: ${res.status}`);
      }
    } catch (err) {
      waiter.cancel();
      return withPhases(classifyLegacyError(err, 'order', txId), { endorse });
    }
    const order = performance.now() - t;
    t = performance.now();
    const done = await waiter.wait(deadline - Date.now());
    const phases = { endorse, order, commit: performance.now() - t };
    if (done.kind === 'timeout') {
      return { ok: false, stage: 'timeout', reason: 'timeout: commit', message: `no commit event for ${txId} from ${done.peers.join(', ')} before the deadline`, txId, phases };
    }
    if (done.kind === 'error') return withPhases(classifyLegacyProblems([{ message: done.message }], 'commit', txId), phases);
    if (!done.isValid) return legacyCommitFailure(done.status, txId, done.peer, phases);
    return { ok: true, payload, txId, phases };
  }

  async evaluate(req: TxRequest): Promise<TxOutcome> {
    const t = performance.now();
    try {
      const state = await this.#channel(req.channel ?? this.#contractChannels.get(req.contract) ?? this.#channelName);
      let contract = state.contracts.get(req.contract);
      if (!contract) {
        contract = state.network.getContract(req.contract);
        state.contracts.set(req.contract, contract);
      }
      const tx = contract.createTransaction(req.fn);
      if (req.transient) tx.setTransient(toTransient(req.transient)!);
      if (req.endorsingOrgs) tx.setEndorsingOrganizations(...req.endorsingOrgs);
      const payload = await tx.evaluate(...req.args);
      return { ok: true, payload, phases: { evaluate: performance.now() - t } };
    } catch (err) {
      return classifyLegacyError(err, 'evaluate');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#gateway.disconnect();
  }

  #channel(name: string): Promise<ChannelState> {
    let state = this.#channels.get(name);
    if (!state) {
      state = (async () => {
        const network = await this.#gateway.getNetwork(name);
        const channel = network.getChannel();
        return { network, channel, eventPeers: this.#eventPeers(channel), contracts: new Map(), handlers: new Map() };
      })();
      // A failed open (a peer down during discovery) is retried by the next transaction.
      state.catch(() => this.#channels.delete(name));
      this.#channels.set(name, state);
    }
    return state;
  }

  /**
   * The organization's own peers, preferring the profile's names: with discovery a peer is also known
   * under its discovered address, and listening to both would open two event streams to one peer.
   */
  #eventPeers(channel: Channel): Endorser[] {
    const own = channel.getEndorsers(this.#mspId);
    const named = own.filter((p) => this.#profilePeers.has(p.name));
    if (named.length > 0) return named;
    if (own.length > 0) return own;
    const all = channel.getEndorsers();
    const allNamed = all.filter((p) => this.#profilePeers.has(p.name));
    return allNamed.length > 0 ? allNamed : all;
  }

  /** Discovery's endorsement handler for a chaincode (its plan is per chaincode), or none without discovery. */
  async #handler(state: ChannelState, contract: string): Promise<DiscoveryHandler | undefined> {
    if (!this.#discovery) return undefined;
    if (!state.handlers.has(contract)) state.handlers.set(contract, await (state.network.getContract(contract) as Contract & DiscoveryHandlerSource).getDiscoveryHandler());
    return state.handlers.get(contract);
  }

  /** Without discovery: the channel's peers (of the requested organizations), as Caliper's fabric-ccp adapter sent to. */
  #targets(channel: Channel, orgs: string[] | undefined): Endorser[] {
    return orgs ? orgs.flatMap((o) => channel.getEndorsers(o)) : channel.getEndorsers();
  }
}

/**
 * Every peer asked must endorse, and every endorsement must carry the same result: a transaction
 * ordered with fewer endorsements, or with endorsements of different results, would only fail
 * validation (ENDORSEMENT_POLICY_FAILURE) a block later, after costing the orderer and every peer.
 */
function endorsementVerdict(responses: EndorsementResponse[], errors: Error[]): { payload: Uint8Array } | { failure: LegacyProblem[] } {
  const problems: LegacyProblem[] = [];
  for (const e of errors) {
    // The discovery handler's "Endorsement has failed" carries each endorser's own answer.
    const inner = (e as { endorsements?: Array<Error | EndorsementResponse> }).endorsements;
    problems.push(toProblem(e));
    for (const x of inner ?? []) problems.push(x instanceof Error ? toProblem(x) : responseProblem(x));
  }
  const good: EndorsementResponse[] = [];
  for (const r of responses) {
    if (r.endorsement && r.response && r.response.status < 400) good.push(r);
    else problems.push(responseProblem(r));
  }
  if (problems.length > 0) return { failure: problems };
  if (good.length === 0) return { failure: [{ message: 'no peer to endorse on: did not find any peers available for the channel' }] };
  const first = Buffer.from(good[0].payload);
  if (good.some((r) => !first.equals(Buffer.from(r.payload)))) {
    return { failure: [{ message: `endorsements do not match: ${good.length} peers endorsed different results (nondeterministic chaincode?)` }] };
  }
  return { payload: Buffer.from(good[0].response.payload ?? []) };
}

function responseProblem(r: EndorsementResponse): LegacyProblem {
  const from = r.connection?.name ? `${r.connection.name}: ` : '';
  return { message: `${from}${r.response?.message || 'no endorsement in the response'}`, status: r.response?.status ?? 500 };
}

function toTransient(t: TxRequest['transient']): Record<string, Buffer> | undefined {
  if (!t) return undefined;
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Buffer.from(v)]));
}

function withPhases(out: TxOutcome, phases: Record<string, number>, reason?: string): TxOutcome {
  out.phases = phases;
  if (reason) out.reason = reason;
  return out;
}
