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
 * Classifies an error thrown by fabric-gateway (or by our own code) during `phase`.
 *
 * - gRPC DEADLINE_EXCEEDED -> stage `timeout`, reason `timeout: <phase>`.
 * - UNAVAILABLE/CANCELLED with no gateway error details -> stage `connection` (the gateway itself was
 *   not reached or went away), reason `<phase>: UNAVAILABLE` / `<phase>: CANCELLED`.
 * - ABORTED from Endorse, UNKNOWN/ABORTED from Evaluate -> the chaincode (or an endorser) said no:
 *   reason `<phase>: chaincode error`, or `<phase>: unknown function` for a missing function.
 * - other gRPC codes -> reason `<phase>: <STATUS_NAME>`.
 * - anything else (a bug or a bad argument on the client side) -> reason `<phase>: client error`.
 */
export function classifyError(err: unknown, phase: GatewayPhase, txId?: string): TxOutcome {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as GatewayLikeError;
  const message = describe(e);
  const code = typeof e.code === 'number' ? e.code : undefined;
  const hasDetails = Array.isArray(e.details) && e.details.length > 0;
  let stage = STAGE_OF_PHASE[phase];
  let reason: string;

  if (code === undefined || GrpcStatus[code] === undefined) {
    reason = `${phase}: client error`;
  } else if (code === GrpcStatus.DEADLINE_EXCEEDED) {
    stage = 'timeout';
    reason = `timeout: ${phase}`;
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

/** The error's message plus the endorsers' messages from the gateway's error details, shortened. */
function describe(e: GatewayLikeError): string {
  let text = typeof e.message === 'string' ? e.message : 'unknown error';
  if (Array.isArray(e.details)) {
    for (const d of e.details as Array<{ address?: string; mspId?: string; message?: string }>) {
      text += `; ${d.mspId || '?'}@${d.address || '?'}: ${d.message ?? ''}`;
    }
  }
  return text.length > MAX_MESSAGE_LENGTH ? `${text.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : text;
}
