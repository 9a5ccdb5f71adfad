import { describe, expect, test } from 'vitest';
import { blkioTotals, cpuPercent, memoryBytes, networkTotals } from '../../src/monitors/docker-stats.ts';
import { reduceFamily, type Scrape } from '../../src/monitors/prom-reduce.ts';
import { parsePromText } from '../../src/monitors/prom-text.ts';
import { summarize, unknownSample } from '../../src/monitors/rounds.ts';

describe('docker stats figures', () => {
  const s = 1e9;
  test("docker's system counter (all CPUs): one busy core on two CPUs is 100%", () => {
    const prev = { total: 0, system: 0, wallNs: 0, cpus: 2 };
    const cur = { total: 1 * s, system: 2 * s, wallNs: 1 * s, cpus: 2 };
    expect(cpuPercent(prev, cur)).toBeCloseTo(100, 6);
  });
  test("podman's system counter (clock speed): one busy core on two CPUs is still 100%", () => {
    const prev = { total: 0, system: 0, wallNs: 0, cpus: 2 };
    const cur = { total: 1 * s, system: 1.02 * s, wallNs: 1 * s, cpus: 2 };
    expect(cpuPercent(prev, cur)).toBeCloseTo(98.04, 1);
  });
  test('counters that went back (restart) give unknown', () => {
    expect(cpuPercent({ total: 5, system: 5, wallNs: 0, cpus: 1 }, { total: 1, system: 9, wallNs: 1, cpus: 1 })).toBeNull();
  });
  test('memory minus inactive file cache (v1 and v2), network under both keys, empty blkio is unknown', () => {
    expect(memoryBytes({ memory_stats: { usage: 1000, stats: { total_inactive_file: 300 } } })).toBe(700);
    expect(memoryBytes({ memory_stats: { usage: 1000, stats: { inactive_file: 100 } } })).toBe(900);
    expect(memoryBytes({ memory_stats: { usage: 1000 } })).toBe(1000);
    expect(memoryBytes({})).toBeNull();
    expect(networkTotals({ networks: { eth0: { rx_bytes: 1, tx_bytes: 2 }, eth1: { rx_bytes: 10, tx_bytes: 20 } } })).toEqual({ rx: 11, tx: 22 });
    expect(networkTotals({ networks: { network: { rx_bytes: 5, tx_bytes: 6 } } })).toEqual({ rx: 5, tx: 6 });
    expect(networkTotals({ network: { rx_bytes: 7, tx_bytes: 8 } })).toEqual({ rx: 7, tx: 8 });
    expect(networkTotals({})).toBeUndefined();
    expect(blkioTotals({ blkio_stats: { io_service_bytes_recursive: [] } })).toBeUndefined();
    expect(blkioTotals({ blkio_stats: { io_service_bytes_recursive: null } })).toBeUndefined();
    expect(
      blkioTotals({
        blkio_stats: {
          io_service_bytes_recursive: [
            { op: 'Read', value: 4 },
            { op: 'write', value: 6 },
            { op: 'Total', value: 10 },
          ],
        },
      }),
    ).toEqual({ read: 4, write: 6 });
  });
});

describe('rows from samples', () => {
  test('max/avg over known samples; traffic as the growth of running totals; series in seconds', () => {
    const row = summarize(
      'docker',
      'peer0',
      [
        { at: 1000, cpu: 10, mem: 100, netIn: 50, netOut: 5, discRead: null, discWrite: null },
        { at: 2000, cpu: null, mem: 300, netIn: 80, netOut: 6, discRead: null, discWrite: null },
        { at: 3000, cpu: 30, mem: 200, netIn: 150, netOut: 9, discRead: null, discWrite: null },
      ],
      1000,
    );
    expect(row).toMatchObject({
      cpuMaxPercent: 30,
      cpuAvgPercent: 20,
      memoryMaxBytes: 300,
      memoryAvgBytes: 200,
      trafficInBytes: 100,
      trafficOutBytes: 4,
      discReadBytes: null,
    });
    expect(row.series.map((p) => p.t)).toEqual([0, 1, 2]);
  });
  test('a target never seen in the round is unknown throughout, not zero', () => {
    const row = summarize('process', 'x', [{ ...unknownSample(0), discRead: 0, discWrite: 0 }, unknownSample(1)], 0);
    expect([row.cpuMaxPercent, row.memoryAvgBytes, row.discReadBytes, row.trafficInBytes]).toEqual([null, null, null, null]);
  });
});

describe('prometheus reduction over a round', () => {
  const scrape = (at: number, text: string): Scrape => ({ at, families: parsePromText(text) });
  test('a counter that reset during the round counts from its new value', () => {
    const figs = reduceFamily('u', 'c', [scrape(0, '# TYPE c counter\nc 500'), scrape(1, '# TYPE c counter\nc 20')]);
    expect(figs[0].value).toEqual({ increase: 20 });
  });
  test('a labelled histogram born during the round is measured from zero, per label set', () => {
    const first = scrape(0, '# TYPE h histogram\n');
    const last = scrape(
      1,
      [
        '# TYPE h histogram',
        'h_bucket{ch="a",le="1"} 2',
        'h_bucket{ch="a",le="2"} 4',
        'h_bucket{ch="a",le="+Inf"} 4',
        'h_sum{ch="a"} 5',
        'h_count{ch="a"} 4',
        'h_bucket{ch="b",le="1"} 0',
        'h_bucket{ch="b",le="2"} 0',
        'h_bucket{ch="b",le="+Inf"} 1',
        'h_sum{ch="b"} 9',
        'h_count{ch="b"} 1',
      ].join('\n'),
    );
    const figs = reduceFamily('u', 'h', [first, last]);
    expect(figs.map((f) => f.labels)).toEqual([{ ch: 'a' }, { ch: 'b' }]);
    expect(figs[0].value).toMatchObject({ count: 4, sum: 5, avg: 1.25, p50: 1 });
    // everything in +Inf: the highest finite bound, as histogram_quantile answers
    expect(figs[1].value).toMatchObject({ count: 1, p99: 2 });
  });
  test('summaries are left out; untyped samples are read as gauges', () => {
    const text = '# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 3\ns_count 2\nraw 4\n';
    const scrapes = [scrape(0, text), scrape(1, text.replace('raw 4', 'raw 8'))];
    expect(reduceFamily('u', 's', scrapes)).toEqual([]);
    expect(reduceFamily('u', 'raw', scrapes)[0]).toMatchObject({ kind: 'gauge', value: { max: 8, avg: 6, min: 4, last: 8 } });
  });
});
