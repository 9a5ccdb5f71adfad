/**
 * Sample failure messages as the reports keep them. Workers collect them, but reports travel (CI
 * artifacts, issues), so the limits and the key scrub are applied again wherever a report is written:
 * a full gRPC or chaincode message can quote a connection profile or a PEM block.
 */
import { redact } from './redact.ts';

/** Samples kept per failure reason. */
export const SAMPLES_PER_REASON = 3;

/** Longest sample kept, in characters (the cut one ends with `…`). */
export const SAMPLE_MAX_CHARS = 500;

function cut(text: string): string {
  return text.length <= SAMPLE_MAX_CHARS ? text : `${text.slice(0, SAMPLE_MAX_CHARS - 1)}…`;
}

/**
 * At most SAMPLES_PER_REASON messages per reason, each at most SAMPLE_MAX_CHARS long, with PEM private
 * keys and URL passwords removed (before the cut, so a key cut in half is still recognised). Reasons
 * without a message are left out; undefined when nothing is left.
 */
export function safeFailureSamples(samples: Record<string, string[]> | undefined): Record<string, string[]> | undefined {
  if (!samples) return undefined;
  const out: Record<string, string[]> = {};
  for (const [reason, messages] of Object.entries(samples)) {
    if (!Array.isArray(messages)) continue;
    const kept = messages
      .filter((m): m is string => typeof m === 'string' && m.length > 0)
      .slice(0, SAMPLES_PER_REASON)
      .map((m) => cut(redact(m)));
    if (kept.length > 0) out[reason] = kept;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
