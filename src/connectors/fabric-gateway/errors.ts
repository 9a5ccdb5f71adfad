/**
 * Turns whatever fabric-gateway throws into a TxOutcome failure. The `reason` is a counter key, so it
 * is built only from a small vocabulary (the phase, gRPC status names, Fabric validation code names and
 * a few known causes), never from the error text, which carries transaction ids and other per-call
 * detail. That text goes, shortened, into `message`.
 */
import { status as GrpcStatus } from '@grpc/grpc-js';
import { StatusCode } from '@hyperledger/fabric-gateway';
import type { FailureStage, TxOutcome } from '../types.ts';

/** The connector's phases, as reported in TxOutcome.phases and in reasons. */
export type GatewayPhase = 'endorse' | 'order' | 'commit' | 'evaluate';

const STAGE_OF_PHASE: Record<GatewayPhase, FailureStage> = {
  endorse: 'endorse',
  order: 'submit',
  commit: 'commit',
  evaluate: 'evaluate',
};

/** Longest `message` kept; a failure message is for a human skimming a log, not a dump. */
export const MAX_MESSAGE_LENGTH = 512;

/** Validation code number -> name (`11` -> `MVCC_READ_CONFLICT`), from the protos' enum. */
const VALIDATION_CODE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(StatusCode).map(([name, code]) => [code as number, name]),
);

/** The name of a Fabric transaction validation code, e.g. `MVCC_READ_CONFLICT`. */
export function validationCodeName(code: number): string {
  return VALIDATION_CODE_NAMES.get(code) ?? `VALIDATION_CODE_${code}`;
}

/** The failure outcome of a transaction whose commit status is not VALID. */
export function commitFailure(code: number, txId: string, phases: Record<string, number>): TxOutcome {
  const name = validationCodeName(code);
  return {
    ok: false,
    stage: 'commit',
    reason: name,
    validationCode: name,
    message: `transaction ${txId} committed with validation code ${name} (${code})`,
    txId,
    phases,
  };
}

interface GatewayLikeError {
  code?: unknown;
  message?: unknown;
  details?: unknown;
}

/** A chaincode's "no such function" answer (fabric-contract-api wording, and the shim's). */
const UNKNOWN_FUNCTION = /function that does not exist|unknown function|no such function|not a function of/i;

/**
 * Causes that Fabric names only in message text (its gRPC code alone says little: the peer's
 * concurrency limiter answers UNKNOWN, an endorsement mismatch comes back as ABORTED like a chaincode
 * error). Each pattern is matched against the error's message and its endorsers' details, first match
 * wins; the cause is appended to the phase to make the reason. Wording as in Fabric 2.4-2.5's
 * internal/peer/node/grpc_limiters.go and internal/pkg/gateway (endorsement.go, registry.go), and the
 * embedded network's own wording where it differs.
 */
const KNOWN_CAUSES: ReadonlyArray<{ pattern: RegExp; cause: string }> = [
  // "too many requests for /gateway.Gateway, exceeding concurrency limit (500)": peer.limits.concurrency.gatewayService.
  { pattern: /too many requests for \/gateway\.Gateway/i, cause: 'RESOURCE_EXHAUSTED (gateway concurrency limit)' },
  // The same limit of another peer's endorser service, reported back as an endorser's error detail.
  { pattern: /too many requests for \/protos\.Endorser/i, cause: 'RESOURCE_EXHAUSTED (endorser concurrency limit)' },
  { pattern: /exceeding concurrency limit/i, cause: 'RESOURCE_EXHAUSTED (concurrency limit)' },
  // grpc-js's own message size limits, on either side of the connection.
  { pattern: /(received|sent) message larger than max/i, cause: 'RESOURCE_EXHAUSTED (message size limit)' },
  { pattern: /ProposalResponsePayloads do not match|nondeterministic chaincode/i, cause: 'endorsement mismatch' },
  {
    pattern: /no combination of (peers|organizations) (can be derived which )?satisf|failed to select a set of endorsers that satisfy the endorsement policy(?! due to unavailability)/i,
    cause: 'no endorsing peers (policy)',
  },
  {
    pattern: /due to unavailability of peers|no peers available to evaluate|no endorsing peers found for channel/i,
    cause: 'no endorsing peers (unavailable)',
  },
  { pattern: /failed to find any endorsing peers for org/i, cause: 'no endorsing peers (requested organizations)' },
];

/** The known cause named in `text`, if any. */
function knownCause(text: string): string | undefined {
  return KNOWN_CAUSES.find((c) => c.pattern.test(text))?.cause;
}

/**
 * Classifies an error thrown by fabric-gateway (or by our own code) during `phase`.
 *
 * - gRPC DEADLINE_EXCEEDED -> stage `timeout`, reason `timeout: <phase>`.
 * - a cause Fabric names in the message or the endorsers' details (concurrency limits, message size
 *   limits, endorsement mismatch, no endorsing peers) -> reason `<phase>: <cause>`, e.g.
 *   `endorse: RESOURCE_EXHAUSTED (gateway concurrency limit)`, `endorse: endorsement mismatch`.
 * - UNAVAILABLE/CANCELLED with no gateway error details -> stage `connection` (the gateway itself was
 *   not reached or went away), reason `<phase>: UNAVAILABLE` / `<phase>: CANCELLED`.
 * - ABORTED from Endorse, UNKNOWN/ABORTED from Evaluate -> the chaincode (or an endorser) said no:
 *   reason `<phase>: chaincode error`, or `<phase>: unknown function` for a missing function.
 * - other gRPC codes -> reason `<phase>: <STATUS_NAME>`.
 * - anything else (a bug or a bad argument on the client side) -> reason `<phase>: client error`.
 */
export function classifyError(err: unknown, phase: GatewayPhase, txId?: string): TxOutcome {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as GatewayLikeError;
  const full = fullText(e);
  const message = shorten(full);
  const code = typeof e.code === 'number' ? e.code : undefined;
  const hasDetails = Array.isArray(e.details) && e.details.length > 0;
  let stage = STAGE_OF_PHASE[phase];
  let reason: string;
  const cause = code === undefined ? undefined : knownCause(full);

  if (code === undefined || GrpcStatus[code] === undefined) {
    reason = `${phase}: client error`;
  } else if (code === GrpcStatus.DEADLINE_EXCEEDED) {
    stage = 'timeout';
    reason = `timeout: ${phase}`;
  } else if (cause) {
    reason = `${phase}: ${cause}`;
  } else if ((code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.CANCELLED) && !hasDetails) {
    stage = 'connection';
    reason = `${phase}: ${GrpcStatus[code]}`;
  } else if (
    (phase === 'endorse' && code === GrpcStatus.ABORTED) ||
    (phase === 'evaluate' && (code === GrpcStatus.UNKNOWN || code === GrpcStatus.ABORTED))
  ) {
    reason = UNKNOWN_FUNCTION.test(message) ? `${phase}: unknown function` : `${phase}: chaincode error`;
  } else {
    reason = `${phase}: ${GrpcStatus[code]}`;
  }
  const out: TxOutcome = { ok: false, stage, reason, message };
  if (txId) out.txId = txId;
  return out;
}

/** The error's message plus the endorsers' messages from the gateway's error details. */
function fullText(e: GatewayLikeError): string {
  let text = typeof e.message === 'string' ? e.message : 'unknown error';
  if (Array.isArray(e.details)) {
    for (const d of e.details as Array<{ address?: string; mspId?: string; message?: string }>) {
      text += `; ${d.mspId || '?'}@${d.address || '?'}: ${d.message ?? ''}`;
    }
  }
  return text;
}

function shorten(text: string): string {
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}
