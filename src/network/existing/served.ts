/**
 * Which profiles a `ledgerbench network up` owner (main.ts) serves right now. A run against the same
 * profile must not deploy again: the chaincode processes the owner keeps are the ones registered with
 * the peers (a 1.4 peer in dev mode accepts one process per chaincode and stays silent to a second) or
 * listening at the committed package's address (2.x). The owner records its pid in a file named after
 * the profile's absolute path, under the temp folder, and removes it when it stops; a record whose pid
 * or any of whose chaincode processes is gone counts for nothing.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

function recordOf(profile: string): string {
  const id = createHash('sha256').update(resolve(profile)).digest('hex').slice(0, 24);
  return join(tmpdir(), 'ledgerbench-served', `${id}.json`);
}

/** An owner serving a profile, and the chaincode processes it keeps (for the runs' monitors). */
export interface Served {
  pid: number;
  processes: Array<{ pid: number; name: string }>;
}

/** Records that process `pid` serves `profile` with `processes` (called by the owner once it is set up). */
export function markServed(profile: string, pid: number, processes: Served['processes']): void {
  const file = recordOf(profile);
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify({ pid, profile: resolve(profile), processes }), { mode: 0o600 });
}

/** Removes the record, if it is `pid`'s. */
export function clearServed(profile: string, pid: number): void {
  if (servedBy(profile)?.pid === pid) rmSync(recordOf(profile), { force: true });
}

/** The live owner serving `profile`, if any. */
export function servedBy(profile: string): Served | undefined {
  try {
    const { pid, processes } = JSON.parse(readFileSync(recordOf(profile), 'utf8')) as Partial<Served>;
    if (typeof pid !== 'number') return undefined;
    const list = Array.isArray(processes) ? processes : [];
    // An owner whose chaincode processes have gone (their peers went down, say) serves nothing.
    for (const p of [{ pid }, ...list]) process.kill(p.pid, 0);
    return { pid, processes: list };
  } catch {
    return undefined;
  }
}
