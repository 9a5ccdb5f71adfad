/**
 * The one interface workloads talk to, whatever the system under test is. A connector never throws
 * for a failed transaction: it resolves with `ok: false` and a reason, so the send loop stays cheap
 * and every failure is counted by why it happened.
 */

/** One contract call. */
export interface TxRequest {
  /** Chaincode / contract name (Caliper: `contractId`, v0.1: the chaincode id). */
  contract: string;
  /** Transaction function name. */
  fn: string;
  args: string[];
  /** Private data, sent as transient map and never written to the ledger. */
  transient?: Record<string, string | Uint8Array>;
  /** Channel; the connector's default channel when omitted. */
  channel?: string;
  /** Organizations (MSP ids) that must endorse; the connector's choice when omitted. */
  endorsingOrgs?: string[];
  /** Overrides the round's per-transaction timeout for this call. */
  timeoutMs?: number;
}

/** Stage at which a transaction failed. */
export type FailureStage = 'endorse' | 'submit' | 'commit' | 'evaluate' | 'timeout' | 'connection' | 'workload';

/** How one call ended. Phase durations are milliseconds. */
export interface TxOutcome {
  ok: boolean;
  /** Response payload of a successful call. */
  payload?: Uint8Array;
  /** Short, stable failure reason used as a counter key (e.g. `MVCC_READ_CONFLICT`, `endorse: chaincode error`). */
  reason?: string;
  /** Full message for logs (never contains key material). */
  message?: string;
  stage?: FailureStage;
  /** Fabric validation code name for transactions that reached the committer. */
  validationCode?: string;
  txId?: string;
  /** Durations of the connector's phases, e.g. `{ endorse: 3.1, order: 480.2, commit: 2.0 }`. */
  phases?: Record<string, number>;
}

/** What a worker's connector is created from. */
export interface ConnectorContext {
  workerIndex: number;
  workerCount: number;
  /**
   * The network description handed down by the global setup or the CLI: for the embedded network and
   * Fabric gateways a path to a connection file; opaque to the engine.
   */
  network: NetworkRef;
  /** Default per-transaction timeout (ms). */
  txTimeoutMs: number;
}

/** Which connector to use and where its configuration lives. */
export interface NetworkRef {
  /** Connector type: `noop`, `delay`, `fabric-gateway`, ... */
  connector: string;
  /** Path of the network/connection file, when the connector needs one. */
  file?: string;
  /** Connector options inline (e.g. the delay connector's distribution). */
  options?: Record<string, unknown>;
  /**
   * Caliper's workspace, where relative paths in Caliper network configs are looked for: fixed when the
   * network is opened, so that every worker resolves them alike whatever its current folder.
   */
  workspace?: string;
  /**
   * HTTP base URL of the network's operations endpoint (`/metrics`, and for the embedded network
   * `/ledgerbench/conflicts`), when it has one.
   */
  operationsUrl?: string;
}

export interface Connector {
  /** Connector type, as in NetworkRef.connector. */
  readonly type: string;
  /** What Caliper v0.1 callback modules see as `bc.bcType` (`fabric-ccp` for Fabric connectors). */
  readonly bcType: string;
  /** Ordering/committing transaction (Fabric: endorse, submit, wait for commit status). */
  submit(req: TxRequest): Promise<TxOutcome>;
  /** Read-only query (Fabric: evaluate on one peer). */
  evaluate(req: TxRequest): Promise<TxOutcome>;
  /**
   * The channel a Caliper 0.1 round with this label sends to (the network file's `context:` mapping),
   * or undefined for the default channel. Connectors without channels leave it out.
   *
   * @throws ConfigError when the file maps round labels but not this one.
   */
  channelForLabel?(label: string): string | undefined;
  close(): Promise<void>;
}

/** Registered per connector type; called once in each worker process. */
export type ConnectorFactory = (ctx: ConnectorContext) => Promise<Connector>;
