/**
 * Send-time traces in Caliper's record-rate / replay-rate file formats, so traces move between
 * Caliper and ledgerbench in both directions:
 * - TEXT: one time per line, integer milliseconds since round start, each line ending in '\n'.
 * - BIN_BE / BIN_LE: a uint32 count, then that many uint32 times, big / little endian.
 * Paths are templates: `<R>` is the round index and `<C>` the worker index (both 0-based, as in
 * Caliper's current workers; matched case-insensitively like Caliper).
 */
import { open } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

/** The three formats Caliper reads and writes. */
export type TraceFormat = 'TEXT' | 'BIN_BE' | 'BIN_LE';

/** Every supported format, in the order messages list them. */
export const TRACE_FORMATS: readonly TraceFormat[] = ['TEXT', 'BIN_BE', 'BIN_LE'];

/** Format named by a user value (case-insensitive, like Caliper), or undefined when unknown. */
export function traceFormatOf(value: unknown): TraceFormat | undefined {
  if (typeof value !== 'string') return undefined;
  const upper = value.trim().toUpperCase();
  return TRACE_FORMATS.find((f) => f === upper);
}

/** Resolves a path template for one worker of one round; relative paths are taken against `baseDir`. */
export function resolveTracePath(template: string, roundIndex: number, workerIndex: number, baseDir: string): string {
  const path = template.replace(/<R>/gi, String(roundIndex)).replace(/<C>/gi, String(workerIndex));
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** Lines per write when writing TEXT, to bound the size of each string built. */
const TEXT_CHUNK = 65_536;

/** Writes `count` times from `times` to `path` in `format` (overwriting the file). */
export async function writeTrace(path: string, times: Uint32Array, count: number, format: TraceFormat): Promise<void> {
  const file = await open(path, 'w');
  try {
    if (format === 'TEXT') {
      for (let start = 0; start < count; start += TEXT_CHUNK) {
        const end = Math.min(count, start + TEXT_CHUNK);
        let text = '';
        for (let i = start; i < end; i++) text += `${times[i]}\n`;
        await file.write(text);
      }
    } else {
      const buffer = Buffer.alloc(4 * (count + 1));
      const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      const little = format === 'BIN_LE';
      view.setUint32(0, count, little);
      for (let i = 0; i < count; i++) view.setUint32(4 * (i + 1), times[i], little);
      await file.write(buffer);
    }
  } finally {
    await file.close();
  }
}

/**
 * Decodes a trace. `garbled(problem)` builds the error to throw, so the caller can name the path,
 * worker and round; `problem` reads as a phrase about the file ("has ... on line 3"). TEXT accepts blank lines (Caliper's files end in a newline) and CRLF endings;
 * each other line must be a non-negative number.
 */
export function parseTrace(data: Buffer, format: TraceFormat, garbled: (problem: string) => Error): Float64Array {
  if (format === 'TEXT') {
    const lines = data.toString('utf8').split('\n');
    const times = new Float64Array(lines.length);
    let count = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (line === '') continue;
      const t = Number(line);
      if (!Number.isFinite(t) || t < 0) throw garbled(`has ${JSON.stringify(line.slice(0, 40))} on line ${i + 1}, not a time in ms (0 or more)`);
      times[count++] = t;
    }
    return times.slice(0, count);
  }
  const little = format === 'BIN_LE';
  if (data.length < 4) throw garbled(`is ${data.length} bytes long, too short for the 4-byte count that starts a ${format} trace`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = view.getUint32(0, little);
  const expected = 4 * (count + 1);
  if (data.length !== expected) {
    const other = little ? 'BIN_BE' : 'BIN_LE';
    throw garbled(`says it holds ${count} times (${expected} bytes) but is ${data.length} bytes long; is it TEXT or ${other} instead of ${format}?`);
  }
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) times[i] = view.getUint32(4 * (i + 1), little);
  return times;
}
