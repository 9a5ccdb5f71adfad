/**
 * Cost of the worker's statistics hot path: transactions per second one TxRecorder absorbs
 * (onSend + onDone, with a snapshot every simulated second, as a worker at 500,000 tx/s would take),
 * and values per second of the ways to fill an HDR histogram, which is why src/stats/hdr.ts records
 * through its own index computation. Called by the lead's `npm run bench`; runnable on its own with
 * `npx tsx bench/stats.bench.ts`.
 */
import { pathToFileURL } from 'node:url';
import { build, initWebAssembly } from 'hdr-histogram-js';
import { Bench } from 'tinybench';
import type { TxOutcome } from '../src/connectors/types.ts';
import { MAX_US, msToUs, newRecordingHistogram, recordUs } from '../src/stats/hdr.ts';
import { TxRecorder } from '../src/stats/recorder.ts';

/** Transactions (or values) per tinybench iteration, so the harness's own overhead stays negligible. */
const BATCH = 1000;
/** Simulated send interval: 500,000 tx/s. */
const STEP_MS = 0.002;
/** Snapshot every simulated second. */
const SNAPSHOT_EVERY = 500_000;

/** A recorder driven by a simulated clock; run(n) sends and completes n transactions. */
function driver(openModel: boolean, outcomeOf: (i: number) => TxOutcome): (n: number) => void {
  const rec = new TxRecorder({ workerIndex: 0, trim: 0, trimBy: 'tx', openModel });
  let i = 0;
  return (n) => {
    for (let k = 0; k < n; k++, i++) {
      const sent = i * STEP_MS;
      rec.onSend(i, sent, sent);
      // Latencies between 5 and 45 ms, varying so many buckets are touched.
      rec.onDone(i, sent, sent, sent + 5 + (i % 4000) * 0.01, outcomeOf(i));
      if (i % SNAPSHOT_EVERY === SNAPSHOT_EVERY - 1) rec.takeSnapshot();
    }
  };
}

/**
 * Runs the benchmarks.
 *
 * @param timeMs How long to sample each task (tinybench `time`).
 * @returns Mean rate by task: transactions per second for `recorder: ...` tasks, recorded values per
 *   second for `hdr: ...` tasks.
 */
export async function benchStats(timeMs = 500): Promise<Record<string, number>> {
  const ok: TxOutcome = { ok: true };
  const withPhases: TxOutcome = { ok: true, phases: { endorse: 3.1, order: 480.2, commit: 2.0 } };
  const failure: TxOutcome = { ok: false, reason: 'MVCC_READ_CONFLICT' };
  const closed = driver(false, () => ok);
  const open = driver(true, () => withPhases);
  const failing = driver(false, (i) => (i % 20 === 0 ? failure : ok));

  await initWebAssembly();
  const values = new Float64Array(4096);
  for (let k = 0; k < values.length; k++) values[k] = msToUs(1 + ((k * 7919) % 4096) * 0.7);
  const fast = newRecordingHistogram();
  const request = { lowestDiscernibleValue: 1, highestTrackableValue: MAX_US, numberOfSignificantValueDigits: 3 as const };
  const library = build(request);
  const wasm = build({ ...request, useWebAssembly: true });
  let v = 0;

  const bench = new Bench({ name: 'stats hot path', time: timeMs, warmup: true });
  bench
    .add('recorder: closed, success', () => closed(BATCH))
    .add('recorder: open, success + 3 phases', () => open(BATCH))
    .add('recorder: closed, 5% failures', () => failing(BATCH))
    .add('hdr: recordUs (used)', () => {
      for (let k = 0; k < BATCH; k++) recordUs(fast, values[v++ & 4095]);
    })
    .add('hdr: library recordValue, JS', () => {
      for (let k = 0; k < BATCH; k++) library.recordValue(values[v++ & 4095]);
    })
    .add('hdr: library recordValue, WebAssembly', () => {
      for (let k = 0; k < BATCH; k++) wasm.recordValue(values[v++ & 4095]);
    });
  await bench.run();
  wasm.destroy();

  const out: Record<string, number> = {};
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`stats benchmark ${task.name} did not complete: ${result.state}`);
    out[task.name] = Math.round(result.throughput.mean * BATCH);
  }
  return out;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rates = await benchStats();
  for (const [name, rate] of Object.entries(rates)) console.log(`${name.padEnd(42)} ${rate.toLocaleString('en-US')} /s`);
}
