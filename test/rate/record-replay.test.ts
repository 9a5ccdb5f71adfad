import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { createRateController, rateModel, validateRateControl } from '../../src/rate/registry.ts';
import { WAIT_FOR_COMPLETION } from '../../src/rate/types.ts';
import { ctx, progress, schedule } from './sim.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledgerbench-rate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('record-rate then replay-rate', () => {
  for (const format of ['TEXT', 'BIN_BE', 'BIN_LE'] as const) {
    test(`round-trips a two-worker schedule through ${format}`, async () => {
      const pathTemplate = `rec-${format}-<R>-<C>.trace`;
      const recorded: number[][] = [];
      for (let w = 0; w < 2; w++) {
        const c = await createRateController(
          { type: 'record-rate', opts: { rateController: { type: 'fixed-rate', opts: { tps: 300 } }, pathTemplate, outputFormat: format.toLowerCase() } },
          ctx({ workerIndex: w, workerCount: 2, roundIndex: 3, baseDir: dir, txCount: 500 }),
        );
        const times = schedule(c, 2000); // more than txCount: the store grows
        expect(times[1]).toBeCloseTo(((2 + w) * 1000) / 300, 9); // answers pass through unrounded
        await c.end?.();
        recorded.push(times.map((t) => Math.round(t)));
      }
      for (let w = 0; w < 2; w++) {
        const file = await readFile(join(dir, `rec-${format}-3-${w}.trace`));
        if (format === 'TEXT') expect(file.toString().split('\n').slice(0, 3)).toEqual(w === 0 ? ['0', '7', '13'] : ['3', '10', '17']);
        else expect(format === 'BIN_BE' ? file.readUInt32BE(0) : file.readUInt32LE(0)).toBe(2000);
        const replay = await createRateController({ type: 'replay-rate', opts: { pathTemplate, inputFormat: format, defaultSleepTime: 50 } }, ctx({ workerIndex: w, workerCount: 2, roundIndex: 3, baseDir: dir }));
        expect(replay.model).toBe('open');
        const times = schedule(replay, 2003);
        expect(times.slice(0, 2000)).toEqual(recorded[w]);
        // Past the end of the trace: every defaultSleepTime ms after the last recorded time.
        const last = recorded[w][1999];
        expect(times.slice(2000)).toEqual([last + 50, last + 100, last + 150]);
      }
    });
  }

  test('records the closed-model send time (now) and skips WAIT answers', async () => {
    const c = await createRateController({ type: 'record-rate', opts: { rateController: { type: 'fixed-load', opts: { transactionLoad: 1 } }, pathTemplate: 'closed.txt' } }, ctx({ baseDir: dir }));
    expect(c.model).toBe('closed');
    const p = progress();
    p.now = 12.4;
    expect(c.next(p)).toBe(12.4);
    p.sent = 1;
    expect(c.next(p)).toBe(WAIT_FOR_COMPLETION);
    p.completed = 1;
    p.now = 30.6;
    expect(c.next(p)).toBe(30.6);
    await c.end?.();
    expect(await readFile(join(dir, 'closed.txt'), 'utf8')).toBe('12\n31\n');
  });

  test('record-rate wrapping composite-rate ends the inner controllers and creates folders', async () => {
    const inner = { type: 'composite-rate', opts: { weights: [1, 1], rateControllers: [{ type: 'fixed-rate', opts: { tps: 1000 } }, { type: 'fixed-rate', opts: { tps: 500 } }] } };
    const c = await createRateController({ type: 'record-rate', opts: { rateController: inner, pathTemplate: join(dir, 'deep', 'r<r>', 'w<c>.txt') } }, ctx({ txCount: 4, roundIndex: 1, workerIndex: 2, workerCount: 3 }));
    schedule(c, 4);
    await c.end?.();
    // Worker 2 of 3: 1000 tps share at 2, 5; the 500 tps share starts at 6 for all workers, +4 ms phase.
    expect(await readFile(join(dir, 'deep', 'r1', 'w2.txt'), 'utf8')).toBe('2\n5\n10\n16\n');
  });
});

describe('replay-rate reads Caliper-format files written by hand', () => {
  test('TEXT with CRLF and a trailing newline', async () => {
    await writeFile(join(dir, 'hand.txt'), '0\r\n15\r\n40\r\n');
    const c = await createRateController({ type: 'replay-rate', opts: { pathTemplate: 'hand.txt' } }, ctx({ baseDir: dir }));
    // Caliper's default gap after the trace is 100 ms.
    expect(schedule(c, 5)).toEqual([0, 15, 40, 140, 240]);
  });

  test('BIN_BE and BIN_LE: uint32 count, then uint32 times', async () => {
    for (const little of [false, true]) {
      const buf = Buffer.alloc(16);
      const write = (v: number, at: number) => (little ? buf.writeUInt32LE(v, at) : buf.writeUInt32BE(v, at));
      write(3, 0);
      write(5, 4);
      write(70_000, 8);
      write(4_000_000_000, 12);
      const name = little ? 'hand-le.bin' : 'hand-be.bin';
      await writeFile(join(dir, name), buf);
      const c = await createRateController({ type: 'replay-rate', opts: { pathTemplate: name, inputFormat: little ? 'BIN_LE' : 'BIN_BE', defaultSleepTime: 1 } }, ctx({ baseDir: dir }));
      expect(schedule(c, 4)).toEqual([5, 70_000, 4_000_000_000, 4_000_000_001]);
    }
  });

  test('a missing trace names the path and the worker', async () => {
    const err = await createRateController({ type: 'replay-rate', opts: { pathTemplate: 'nope-<C>.txt' } }, ctx({ baseDir: dir, workerIndex: 4, workerCount: 5, roundLabel: 'query' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(join(dir, 'nope-4.txt'));
    expect((err as Error).message).toContain("worker 4, round 0 'query'");
    expect((err as ConfigError).field).toBe('rateControl.opts.pathTemplate');
  });

  test('garbled traces name the path, the worker and what is wrong', async () => {
    await writeFile(join(dir, 'bad.txt'), '1\n2\nabc\n');
    await expect(createRateController({ type: 'replay-rate', opts: { pathTemplate: 'bad.txt' } }, ctx({ baseDir: dir, workerIndex: 1, workerCount: 2 }))).rejects.toThrow(/bad\.txt[\s\S]*"abc" on line 3/);
    await writeFile(join(dir, 'text-as-bin.txt'), '10\n20\n30\n');
    await expect(createRateController({ type: 'replay-rate', opts: { pathTemplate: 'text-as-bin.txt', inputFormat: 'BIN_LE' } }, ctx({ baseDir: dir }))).rejects.toThrow(/worker 0[\s\S]*text-as-bin\.txt[\s\S]*bytes long/);
    await writeFile(join(dir, 'short.bin'), Buffer.from([0, 0]));
    await expect(createRateController({ type: 'replay-rate', opts: { pathTemplate: 'short.bin', inputFormat: 'BIN_BE' } }, ctx({ baseDir: dir }))).rejects.toThrow(/too short/);
  });

  test('validation with workers, roundIndex and baseDir checks every worker trace up front', async () => {
    await writeFile(join(dir, 'v-2-0.txt'), '1\n');
    const spec = { type: 'replay-rate', opts: { pathTemplate: 'v-<R>-<C>.txt' } };
    expect(() => validateRateControl(spec, 'b.yaml', 'test.rounds[2].rateControl', { txNumber: 10, workers: 1, roundIndex: 2, baseDir: dir })).not.toThrow();
    expect(() => validateRateControl(spec, 'b.yaml', 'test.rounds[2].rateControl', { txNumber: 10, workers: 2, roundIndex: 2, baseDir: dir })).toThrow(/test\.rounds\[2\]\.rateControl\.opts\.pathTemplate[\s\S]*worker 1[\s\S]*v-2-1\.txt/);
    expect(rateModel(spec)).toBe('open');
  });
});
