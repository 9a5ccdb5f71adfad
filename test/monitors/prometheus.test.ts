import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bucketQuantile } from '../../src/monitors/prom-reduce.ts';
import { parsePromText } from '../../src/monitors/prom-text.ts';
import { PrometheusMonitor } from '../../src/monitors/prometheus.ts';

const registry = new Registry();
const proposals = new Counter({
  name: 'endorser_proposals_received',
  help: 'proposals',
  labelNames: ['channel'],
  registers: [registry],
});
const height = new Gauge({ name: 'ledger_blockchain_height', help: 'height', registers: [registry] });
const commit = new Histogram({
  name: 'ledger_block_processing_time',
  help: 'commit time',
  buckets: [0.1, 0.2, 0.5, 1],
  registers: [registry],
});
const other = new Counter({ name: 'unrelated_total', help: 'not chosen', registers: [registry] });

let server: Server;
let base = '';
beforeAll(async () => {
  server = createServer(async (req, res) => {
    if (req.url === '/metrics') {
      res.setHeader('content-type', registry.contentType);
      res.end(await registry.metrics());
    } else if (req.url === '/garbage') {
      res.end('<html><body>Welcome to nginx!</body></html>');
    } else {
      res.statusCode = 500;
      res.end('boom');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('prometheus monitor', () => {
  test('counter, gauge and histogram moved during a round are reported as increase, max/avg and quantiles', async () => {
    proposals.inc({ channel: 'mychannel' }, 100); // before the round: must not count
    height.set(10);
    commit.observe(5); // before the round, in +Inf
    other.inc();
    const warnings: string[] = [];
    const mon = new PrometheusMonitor({
      targets: [{ url: `${base}/metrics`, origin: 'test' }],
      intervalMs: 100,
      warn: (m) => warnings.push(m),
    });
    try {
      await mon.start();
      mon.roundStart();
      await sleep(150);
      proposals.inc({ channel: 'mychannel' }, 7);
      proposals.inc({ channel: 'other' }, 3); // series born during the round
      height.set(20);
      // 10 observations: 4 in (0,0.1], 4 in (0.1,0.2], 2 in (0.5,1]
      for (const v of [0.05, 0.05, 0.05, 0.05, 0.15, 0.15, 0.15, 0.15, 0.7, 0.9]) commit.observe(v);
      await sleep(250);
      height.set(14);
      const { metrics, rows } = await mon.roundEnd();
      expect(rows).toEqual([]);
      expect(warnings).toEqual([]);
      const find = (metric: string, labels: Record<string, string> = {}) =>
        metrics.find((m) => m.metric === metric && JSON.stringify(m.labels) === JSON.stringify(labels));
      expect(find('endorser_proposals_received', { channel: 'mychannel' })?.value).toEqual({ increase: 7 });
      expect(find('endorser_proposals_received', { channel: 'other' })?.value).toEqual({ increase: 3 });
      const h = find('ledger_blockchain_height')!;
      expect(h.kind).toBe('gauge');
      expect(h.value.max).toBe(20);
      expect(h.value.last).toBe(14);
      expect(h.value.avg!).toBeGreaterThan(10);
      expect(h.value.avg!).toBeLessThan(20);
      const t = find('ledger_block_processing_time')!;
      expect(t.kind).toBe('histogram');
      expect(t.value.count).toBe(10);
      expect(t.value.sum).toBeCloseTo(2.4, 6);
      // rank 5 of 10 is the first of bucket (0.1,0.2] holding 4: 0.1 + 0.1 * (5-4)/4
      expect(t.value.p50).toBeCloseTo(0.125, 6);
      // rank 9.5: bucket (0.5,1] holds 8..10: 0.5 + 0.5 * 1.5/2
      expect(t.value.p95).toBeCloseTo(0.875, 6);
      expect(t.source).toBe(`${base}/metrics`);
      // Not in the default Fabric set, not chosen.
      expect(find('unrelated_total')).toBeUndefined();
    } finally {
      await mon.stop();
    }
  });

  test('chosen metrics only; a chosen name the endpoint lacks is warned about once', async () => {
    const warnings: string[] = [];
    const mon = new PrometheusMonitor({
      targets: [{ url: `${base}/metrics`, origin: 'bench.yaml: monitor.prometheus.url' }],
      metrics: ['unrelated_total', 'endorser_typo'],
      intervalMs: 100,
      warn: (m) => warnings.push(m),
    });
    try {
      await mon.start();
      await mon.roundStart(); // awaited: the baseline scrape is taken before the counter moves
      other.inc(2);
      const { metrics } = await mon.roundEnd();
      expect(metrics.map((m) => m.metric)).toEqual(['unrelated_total']);
      expect(metrics[0].value.increase).toBe(2);
      await mon.roundStart();
      await mon.roundEnd();
      expect(warnings).toEqual([
        `bench.yaml: monitor.prometheus.url: prometheus monitor: ${base}/metrics has no metric 'endorser_typo'; check the name (it is left out)`,
      ]);
    } finally {
      await mon.stop();
    }
  });

  test('a garbage body and an HTTP 500 each warn once, naming the URL, and yield no figures', async () => {
    const warnings: string[] = [];
    const mon = new PrometheusMonitor({
      targets: [
        { url: `${base}/garbage`, origin: 'bench.yaml: monitor.prometheus.urls[0]' },
        { url: `${base}/fail`, origin: 'bench.yaml: monitor.prometheus.urls[1]' },
      ],
      intervalMs: 80,
      warn: (m) => warnings.push(m),
    });
    try {
      await mon.start();
      mon.roundStart();
      await sleep(300);
      const { metrics } = await mon.roundEnd();
      expect(metrics).toEqual([]);
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toContain(`${base}/garbage`);
      expect(warnings[0]).toContain('not Prometheus text format');
      expect(warnings[0]).toContain('monitor.prometheus.urls[0]');
      expect(warnings[1]).toContain(`${base}/fail`);
      expect(warnings[1]).toContain('HTTP 500');
    } finally {
      await mon.stop();
    }
  });

  test('a password in the URL never reaches figures or warnings', async () => {
    const warnings: string[] = [];
    const url = base.replace('http://', 'http://bench:s3cret@');
    const mon = new PrometheusMonitor({
      targets: [{ url: `${url}/metrics`, origin: 'test' }, { url: `${url}/fail`, origin: 'test' }],
      metrics: ['unrelated_total'],
      intervalMs: 1000,
      warn: (m) => warnings.push(m),
    });
    await mon.start();
    await mon.roundStart();
    const { metrics } = await mon.roundEnd();
    await mon.stop();
    expect(metrics[0].source).toBe(`${base.replace('http://', 'http://bench:***@')}/metrics`);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('HTTP 500');
    expect(JSON.stringify([metrics, warnings])).not.toContain('s3cret');
  });

  test('a refused connection warns once', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const warnings: string[] = [];
    const mon = new PrometheusMonitor({
      targets: [{ url: `http://127.0.0.1:${port}/metrics`, origin: 'test' }],
      intervalMs: 80,
      warn: (m) => warnings.push(m),
    });
    await mon.start();
    mon.roundStart();
    await sleep(200);
    expect((await mon.roundEnd()).metrics).toEqual([]);
    await mon.stop();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ECONNREFUSED');
  });
});

describe('text format parser and quantiles', () => {
  test('parses labels with escapes, special values, timestamps and histogram families', () => {
    const fams = parsePromText(
      [
        '# HELP x_seconds a histogram',
        '# TYPE x_seconds histogram',
        'x_seconds_bucket{path="a\\"b\\\\c\\n",le="1"} 2 1700000000000',
        'x_seconds_bucket{path="a\\"b\\\\c\\n",le="+Inf"} 3',
        'x_seconds_sum{path="a\\"b\\\\c\\n"} 4.5',
        'x_seconds_count{path="a\\"b\\\\c\\n"} 3',
        'up NaN',
        'lag Nan',
        'down -Inf',
        'plain{} 1e3',
      ].join('\n'),
    );
    const h = fams.get('x_seconds')!;
    expect(h.type).toBe('histogram');
    expect(h.samples).toHaveLength(4);
    expect(h.samples[0].labels).toEqual({ path: 'a"b\\c\n', le: '1' });
    expect(Number.isNaN(fams.get('up')!.samples[0].value)).toBe(true);
    expect(Number.isNaN(fams.get('lag')!.samples[0].value)).toBe(true); // as prom-client writes it
    expect(fams.get('down')!.samples[0].value).toBe(Number.NEGATIVE_INFINITY);
    expect(fams.get('plain')!.samples[0].value).toBe(1000);
  });

  test('rejects what is not the format', () => {
    expect(() => parsePromText('{"json": true}')).toThrow(/line 1/);
    expect(() => parsePromText('ok 1\nmetric{a="1" 2')).toThrow(/line 2/);
    expect(() => parsePromText('metric one')).toThrow(/not a number/);
  });

  test('quantile edge cases follow histogram_quantile', () => {
    const b = (pairs: Array<[number, number]>) => pairs.map(([le, count]) => ({ le, count }));
    expect(bucketQuantile(0.5, b([[1, 0], [Number.POSITIVE_INFINITY, 0]]))).toBeNull();
    expect(bucketQuantile(0.5, b([[1, 5]]))).toBeNull(); // no +Inf bucket
    // everything above the highest finite bound: that bound
    expect(bucketQuantile(0.99, b([[1, 0], [2, 0], [Number.POSITIVE_INFINITY, 4]]))).toBe(2);
    // first bucket interpolates from 0
    expect(bucketQuantile(0.5, b([[2, 4], [Number.POSITIVE_INFINITY, 4]]))).toBe(1);
  });
});
