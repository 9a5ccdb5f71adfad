/**
 * Why transactions failed validation, kept for the `/ledgerbench/conflicts` endpoint: one small
 * record per invalid transaction (never per valid one), bounded so a long run cannot exhaust memory.
 */
import type { ConflictReport } from '../../stats/types.ts';

interface ConflictRecord {
  code: string;
  key?: string;
  reader: string;
  writer?: string;
}

/** How many records are kept; older ones are dropped (marks before them then see fewer). */
const MAX_RECORDS = 200_000;

/** Invalid transactions in commit order, addressed by an ever-growing sequence number. */
export class ConflictLog {
  #records: ConflictRecord[] = [];
  /** Sequence number of #records[0]. */
  #base = 0;

  /** Note one invalid transaction. `key` is `namespace/key` for MVCC and phantom conflicts. */
  record(code: string, reader: string, key?: string, writer?: string): void {
    this.#records.push({ code, key, reader, writer });
    if (this.#records.length > MAX_RECORDS) {
      const drop = MAX_RECORDS / 2;
      this.#records = this.#records.slice(drop);
      this.#base += drop;
    }
  }

  /** The current position; pass it to since() later. */
  mark(): number {
    return this.#base + this.#records.length;
  }

  /** Counts by validation code and the hottest keys among records from `mark` on. */
  since(mark: number, topKeys = 20): ConflictReport {
    const byCode: Record<string, number> = {};
    const keys = new Map<string, { count: number; readers: Set<string>; writers: Set<string> }>();
    for (let i = Math.max(0, mark - this.#base); i < this.#records.length; i++) {
      const r = this.#records[i];
      byCode[r.code] = (byCode[r.code] ?? 0) + 1;
      if (!r.key) continue;
      let k = keys.get(r.key);
      if (!k) {
        k = { count: 0, readers: new Set(), writers: new Set() };
        keys.set(r.key, k);
      }
      k.count++;
      if (r.reader) k.readers.add(r.reader);
      if (r.writer) k.writers.add(r.writer);
    }
    const hotKeys = [...keys.entries()]
      .sort((a, b) => b[1].count - a[1].count)
      .slice(0, topKeys)
      .map(([key, v]) => ({ key, count: v.count, readers: [...v.readers].sort(), writers: [...v.writers].sort() }));
    return { byCode, hotKeys, source: 'embedded-validator' };
  }
}
