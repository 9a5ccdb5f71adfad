/**
 * The fingerprint of a round's definition: the fields that change what is measured. A baseline is
 * compared only with a round of the same fingerprint, so a changed workload, rate or network file is
 * refused with the fields that differ instead of being reported as a regression. The chaincode is
 * left out on purpose: a chaincode change is what the gate is there to judge.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import type { RoundSpec } from '../config/types.ts';
import type { RoundFingerprint } from './types.ts';

/** First 16 hex digits of a file's SHA-256, or `unreadable` (which then never matches a real hash). */
export function fileHash(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
  } catch {
    return 'unreadable';
  }
}

/** A path relative to `cwd` with POSIX separators, so a baseline recorded on Linux matches on Windows. */
function portablePath(path: string, cwd: string): string {
  return (relative(cwd, path) || path).split(sep).join('/');
}

/** The fingerprint of a validated round run against `networkFile`. */
export function roundFingerprint(spec: RoundSpec, networkFile: string, cwd = process.cwd()): RoundFingerprint {
  return {
    workload: { path: portablePath(spec.workload.module, cwd), sha256: fileHash(spec.workload.module) },
    arguments: spec.workload.arguments,
    rateControl: spec.rateControl,
    ...(spec.txNumber !== undefined ? { txNumber: spec.txNumber } : {}),
    ...(spec.txDuration !== undefined ? { txDuration: spec.txDuration } : {}),
    workers: spec.workers,
    trim: spec.trim,
    network: { path: portablePath(networkFile, cwd), sha256: fileHash(networkFile) },
  };
}

/** JSON with object keys sorted, so equal values always print alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** Flattens a fingerprint to `field -> value` lines: `rateControl.opts.tps -> 100`. */
function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    return;
  }
  if (value !== undefined) out.set(prefix, canonicalJson(value));
}

/**
 * The fields in which two fingerprints differ, each as `field: baseline -> candidate`
 * (`(none)` for a field one side does not have); empty when they match.
 */
export function fingerprintDifferences(baseline: RoundFingerprint, candidate: RoundFingerprint): string[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten(baseline, '', a);
  flatten(candidate, '', b);
  const fields = [...new Set([...a.keys(), ...b.keys()])].sort();
  return fields.filter((f) => a.get(f) !== b.get(f)).map((f) => `${f}: ${a.get(f) ?? '(none)'} -> ${b.get(f) ?? '(none)'}`);
}
