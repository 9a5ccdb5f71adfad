/** Client of the embedded network's conflict report (`/ledgerbench/conflicts` on its operations URL). */
import type { ConflictReport } from '../stats/types.ts';

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return res.json();
}

/** The conflict log's current position; pass it to {@link conflictsSince} after the round. */
export async function conflictMark(operationsUrl: string): Promise<number> {
  const body = (await getJson(`${operationsUrl.replace(/\/$/, '')}/ledgerbench/conflicts/mark`)) as { mark?: unknown };
  if (typeof body.mark !== 'number') throw new Error(`${operationsUrl} did not return a conflict mark`);
  return body.mark;
}

/** Invalid transactions by validation code and the hottest conflicting keys since `mark`. */
export async function conflictsSince(operationsUrl: string, mark: number): Promise<ConflictReport> {
  return (await getJson(`${operationsUrl.replace(/\/$/, '')}/ledgerbench/conflicts?since=${mark}`)) as ConflictReport;
}
