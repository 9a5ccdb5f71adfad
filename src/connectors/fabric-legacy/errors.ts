/**
 * Failure reasons for the fabric-legacy connector, in the gateway connector's vocabulary
 * (src/connectors/fabric-gateway/errors.ts): `<phase>: <cause>`, `timeout: <phase>`, validation code
 * names for committed transactions. fabric-common reports most failures as plain Errors whose message
 * is the only clue (it has no Gateway error details), so causes are recognised by Fabric's and
 * fabric-common's wording; the reason never contains per-call text, the message keeps it (shortened).
 */
import { MAX_MESSAGE_LENGTH, type GatewayPhase } from '../fabric-gateway/errors.ts';
import type { FailureStage, TxOutcome } from '../types.ts';

const STAGE_OF_PHASE: Record<GatewayPhase, FailureStage> = { endorse: 'endorse', order: 'submit', commit: 'commit', evaluate: 'evaluate' };

/** One thing that went wrong: an Error from fabric-common, or a peer's non-200 proposal response. */
export interface LegacyProblem {
  message: string;
  /** The peer's response status (500 for a chaincode error); absent for transport errors. */
  status?: number;
  /** gRPC status code, when the error came from gRPC. */
  code?: number;
}

/** Causes recognised in messages, first match wins. */
const CAUSES: ReadonlyArray<{ pattern: RegExp; stage?: FailureStage; reason: (phase: GatewayPhase) => string }> = [
  // fabric-common's own request timer ("REQUEST TIMEOUT", "REQUEST_TIMEOUT") and gRPC's deadline.
  { pattern: /REQUEST[ _]TIMEOUT|DEADLINE_EXCEEDED|deadline exceeded/i, stage: 'timeout', reason: (p) => `timeout: ${p}` },
  { pattern: /endorsements do not match|ProposalResponsePayloads do not match|nondeterministic/i, reason: (p) => `${p}: endorsement mismatch` },
  { pattern: /too many requests for|exceeding concurrency limit/i, reason: (p) => `${p}: RESOURCE_EXHAUSTED (concurrency limit)` },
  { pattern: /(received|sent) message larger than max/i, reason: (p) => `${p}: RESOURCE_EXHAUSTED (message size limit)` },
  { pattern: /does not contain enough peers|no endorsement plan|failed constructing descriptor|no peers? (active|available)|did not find any peers/i, reason: (p) => `${p}: no endorsing peers (unavailable)` },
  // A peer or orderer that cannot be reached: fabric-common's "is not connected", gRPC UNAVAILABLE.
  {
    pattern: /is not connected|UNAVAILABLE|ECONNREFUSED|failed to connect|No connection established|connection (refused|reset|closed)|Failed to connect before the deadline/i,
    stage: 'connection',
    reason: (p) => `${p}: UNAVAILABLE`,
  },
];

/** A chaincode's "no such function" answer (fabric-contract-api wording, and the shim's). */
const UNKNOWN_FUNCTION = /function that does not exist|unknown function|no such function|not a function of/i;

/**
 * Classifies what went wrong in `phase`. Peer responses with a status (the chaincode or the peer said
 * no) become `<phase>: chaincode error` / `<phase>: unknown function` unless their message names a
 * known cause; transport errors become the cause their message names, else `<phase>: client error`.
 */
export function classifyLegacyProblems(problems: LegacyProblem[], phase: GatewayPhase, txId?: string): TxOutcome {
  const text = problems.map((p) => (p.status !== undefined ? `status ${p.status}: ${p.message}` : p.message)).join('; ') || 'unknown error';
  let stage = STAGE_OF_PHASE[phase];
  let reason: string | undefined;
  for (const c of CAUSES) {
    if (c.pattern.test(text)) {
      reason = c.reason(phase);
      if (c.stage) stage = c.stage;
      break;
    }
  }
  if (!reason) {
    const answered = problems.find((p) => p.status !== undefined);
    if (answered) reason = UNKNOWN_FUNCTION.test(answered.message) ? `${phase}: unknown function` : `${phase}: chaincode error`;
    else reason = `${phase}: client error`;
  }
  const out: TxOutcome = { ok: false, stage, reason, message: shorten(text) };
  if (txId) out.txId = txId;
  return out;
}

/** Shorthand for one thrown error. */
export function classifyLegacyError(err: unknown, phase: GatewayPhase, txId?: string): TxOutcome {
  return classifyLegacyProblems([toProblem(err)], phase, txId);
}

/** An Error (or anything thrown) as a problem, keeping a peer status or gRPC code when it carries one. */
export function toProblem(err: unknown): LegacyProblem {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as { message?: unknown; status?: unknown; code?: unknown; connection?: { name?: unknown } };
  const text = typeof e.message === 'string' ? e.message : String(err);
  // fabric-common attaches the node an error came from; its name tells which peer or orderer failed.
  const from = typeof e.connection?.name === 'string' ? e.connection.name : undefined;
  const out: LegacyProblem = { message: from ? `${from}: ${text}` : text };
  if (typeof e.status === 'number') out.status = e.status;
  if (typeof e.code === 'number') out.code = e.code;
  return out;
}

/** The outcome of a transaction that committed with validation code `status` (a name, e.g. MVCC_READ_CONFLICT). */
export function legacyCommitFailure(status: string, txId: string, peer: string, phases: Record<string, number>): TxOutcome {
  return {
    ok: false,
    stage: 'commit',
    reason: status,
    validationCode: status,
    message: `transaction ${txId} committed with validation code ${status} (reported by ${peer})`,
    txId,
    phases,
  };
}

function shorten(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}
