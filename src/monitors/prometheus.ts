/**
 * The prometheus monitor: scrapes /metrics URLs every interval and reports, per round, the chosen
 * metric families (counters as increases, gauges as max/avg, histograms as count/sum/quantiles).
 */
import { Agent as HttpAgent, get as httpGet, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, get as httpsGet } from 'node:https';
import type { MetricFigure, ResourceRow } from '../stats/types.ts';
import { reduceFamily, type Scrape } from './prom-reduce.ts';
import { parsePromText } from './prom-text.ts';
import { Ticker } from './ticker.ts';
import type { Monitor, WarnFn } from './types.ts';

/**
 * Reported when the user chooses none: Fabric peer and orderer metrics that explain throughput and
 * latency (endorsement, ordering, block commit, chain height).
 */
export const DEFAULT_FABRIC_METRICS: readonly string[] = [
  'endorser_proposals_received',
  'endorser_successful_proposals',
  'endorser_endorsement_failures',
  'endorser_proposal_duration',
  'gateway_requests_received',
  'gateway_requests_completed',
  'gateway_request_duration',
  'broadcast_processed_count',
  'broadcast_validate_duration',
  'blockcutter_block_fill_duration',
  'ledger_blockchain_height',
  'ledger_transaction_count',
  'ledger_block_processing_time',
  'ledger_blockstorage_commit_time',
  'ledger_statedb_commit_time',
  'consensus_etcdraft_committed_block_number',
  // SmartBFT's (Fabric 3.x) counterpart of the Raft one.
  'consensus_BFT_committed_block_number',
];

/** Families of runtimes rather than of the system under test, left out when falling back to "all". */
const RUNTIME_PREFIXES = ['process_', 'nodejs_', 'go_', 'promhttp_'];
/** At most this many families when falling back to whatever the endpoint has. */
const FALLBACK_CAP = 40;

/** A URL to scrape and where it was configured (for warnings). */
export interface ScrapeTarget {
  url: string;
  /**
   * The node serving it (`peer0.org1.example.com`), when the network named it: the figures' `source`
   * is then this name, stable across runs (ports are not), and warnings give both.
   */
  name?: string;
  origin: string;
}

/** What the prometheus monitor is built from. */
export interface PrometheusMonitorOptions {
  targets: ScrapeTarget[];
  /** Family names to report; 'all' for every family; undefined for DEFAULT_FABRIC_METRICS. */
  metrics?: string[] | 'all';
  intervalMs: number;
  warn: WarnFn;
  /** Per-scrape timeout; defaults to the interval, at least 1 s. */
  timeoutMs?: number;
}

interface UrlState {
  target: ScrapeTarget;
  /** The URL as shown in warnings: any password in it replaced, after the node's name if known. */
  shown: string;
  /** What the figures' `source` says: the node's name, else the shown URL. */
  source: string;
  scrapes: Scrape[];
  warned: boolean;
  /** Chosen families the endpoint did not have, already warned about. */
  absent: Set<string>;
}

/** Scrapes Prometheus text endpoints; see the module comment. */
export class PrometheusMonitor implements Monitor {
  readonly type = 'prometheus' as const;
  private readonly ticker: Ticker;
  private readonly states: UrlState[];
  private inRound = false;
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 1 });

  constructor(private readonly opts: PrometheusMonitorOptions) {
    this.states = opts.targets.map((target) => ({
      target,
      shown: target.name ? `${target.name} (${redactUrl(target.url)})` : redactUrl(target.url),
      source: target.name ?? redactUrl(target.url),
      scrapes: [],
      warned: false,
      absent: new Set<string>(),
    }));
    this.ticker = new Ticker(opts.intervalMs, () => this.sample());
  }

  async start(): Promise<void> {
    if (this.ticker.running) return;
    this.ticker.start();
    await this.ticker.runNow();
  }

  /** Opens the round and takes its baseline scrape; awaiting is optional (the baseline is then exact). */
  roundStart(): Promise<void> {
    for (const s of this.states) s.scrapes = [];
    this.inRound = true;
    return this.ticker.runNow();
  }

  async roundEnd(): Promise<{ rows: ResourceRow[]; metrics: MetricFigure[] }> {
    await this.ticker.idle();
    await this.ticker.runNow();
    this.inRound = false;
    const metrics: MetricFigure[] = [];
    for (const s of this.states) {
      if (s.scrapes.length === 0) continue;
      for (const name of this.chosen(s)) metrics.push(...reduceFamily(s.source, name, s.scrapes));
      s.scrapes = [];
    }
    return { rows: [], metrics };
  }

  async stop(): Promise<void> {
    await this.ticker.stop();
    // Idle keep-alive sockets would otherwise hold the process (and the server) open.
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Family names to report for one URL, judged on its latest scrape. */
  private chosen(s: UrlState): string[] {
    const present = s.scrapes[s.scrapes.length - 1].families;
    const { metrics } = this.opts;
    if (metrics === 'all') return [...present.keys()];
    if (metrics) {
      for (const m of metrics) {
        if (present.has(m) || s.absent.has(m)) continue;
        s.absent.add(m);
        this.opts.warn(`${s.target.origin}: prometheus monitor: ${s.shown} has no metric '${m}'; check the name (it is left out)`);
      }
      return metrics.filter((m) => present.has(m));
    }
    const fabric = DEFAULT_FABRIC_METRICS.filter((m) => present.has(m));
    if (fabric.length > 0) return fabric;
    // Not a Fabric endpoint: report what it has, minus runtime noise, within reason.
    return [...present.keys()].filter((m) => !RUNTIME_PREFIXES.some((p) => m.startsWith(p))).slice(0, FALLBACK_CAP);
  }

  private async sample(): Promise<void> {
    await Promise.all(this.states.map((s) => this.scrape(s)));
  }

  private async scrape(s: UrlState): Promise<void> {
    const at = Date.now();
    const timeout = this.opts.timeoutMs ?? Math.max(1_000, this.opts.intervalMs);
    try {
      const { status, statusText, body } = await this.get(s.target.url, timeout);
      if (status < 200 || status > 299) throw new Error(`HTTP ${status} ${statusText}`.trim());
      const families = parsePromText(body);
      if (this.inRound) s.scrapes.push({ at, families });
    } catch (err) {
      if (s.warned) return;
      s.warned = true;
      const e = err as Error;
      const why =
        e.name === 'PromParseError'
          ? `the body is not Prometheus text format (${e.message})`
          : (e as NodeJS.ErrnoException).code === 'ETIMEDOUT'
            ? e.message
            : ((e as NodeJS.ErrnoException).code ?? e.message);
      this.opts.warn(`${s.target.origin}: prometheus monitor: ${s.shown}: ${why}; its metrics are left out`);
    }
  }

  /**
   * GET with node:http rather than fetch: per scrape it costs a fraction of the CPU (measured with
   * bench/monitors.bench.ts), and keep-alive agents reuse the connection between samples.
   */
  private get(url: string, timeoutMs: number): Promise<{ status: number; statusText: string; body: string }> {
    const https = url.startsWith('https:');
    return new Promise((resolve, reject) => {
      const req = (https ? httpsGet : httpGet)(
        url,
        { agent: https ? this.httpsAgent : this.httpAgent, headers: { accept: 'text/plain;version=0.0.4' }, timeout: timeoutMs },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
    });
  }
}

/** The URL without a password (user names stay: they help to tell endpoints apart). */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '') return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
