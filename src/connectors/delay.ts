import { ConfigError } from '../config/errors.ts';
import type { Connector, ConnectorContext, ConnectorFactory, TxOutcome } from './types.ts';

/** Options of the delay connector (network file `type: delay`, or NetworkRef.options). */
export interface DelayOptions {
  /** How latency is drawn (default `fixed`). */
  distribution?: 'fixed' | 'uniform' | 'normal' | 'exponential';
  /** Mean latency in ms for fixed, normal and exponential (default 10). */
  mean?: number;
  /** Bounds in ms for uniform; also clamp normal (default 0 and Infinity). */
  min?: number;
  max?: number;
  /** Standard deviation in ms for normal (default mean / 4). */
  stddev?: number;
  /** Fraction of calls that fail, 0..1 (default 0). */
  failureRatio?: number;
  /** Reason failed calls report (default `simulated failure`). */
  failureReason?: string;
  /** Seed of the random source, so runs repeat (default 1, mixed with the worker index). */
  seed?: number;
}

const DISTRIBUTIONS = ['fixed', 'uniform', 'normal', 'exponential'];
const KEYS = ['distribution', 'mean', 'min', 'max', 'stddev', 'failureRatio', 'failureReason', 'seed'];

/**
 * Checks delay options; throws ConfigError naming `file` and the field. Run before workers start.
 */
export function validateDelayOptions(raw: Record<string, unknown>, file: string, field: string): DelayOptions {
  for (const key of Object.keys(raw)) {
    if (!KEYS.includes(key)) throw new ConfigError(file, `${field}.${key}`, 'is not a delay connector option', `use one of: ${KEYS.join(', ')}`);
  }
  const o = raw as DelayOptions;
  if (o.distribution !== undefined && !DISTRIBUTIONS.includes(o.distribution)) {
    throw new ConfigError(file, `${field}.distribution`, `unknown distribution ${JSON.stringify(o.distribution)}`, `use one of: ${DISTRIBUTIONS.join(', ')}`);
  }
  for (const key of ['mean', 'min', 'max', 'stddev', 'seed'] as const) {
    const v = o[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new ConfigError(file, `${field}.${key}`, `must be a number >= 0, got ${JSON.stringify(v)}`, 'give milliseconds as a plain number');
  }
  if (o.min !== undefined && o.max !== undefined && o.min > o.max) throw new ConfigError(file, `${field}.min`, `(${o.min}) is above max (${o.max})`, 'swap them');
  if (o.distribution === 'uniform' && o.max === undefined) throw new ConfigError(file, `${field}.max`, 'is required for the uniform distribution', 'add max (ms)');
  const r = o.failureRatio;
  if (r !== undefined && (typeof r !== 'number' || r < 0 || r > 1)) throw new ConfigError(file, `${field}.failureRatio`, `must be between 0 and 1, got ${JSON.stringify(r)}`, 'use e.g. 0.01 for one call in a hundred');
  return o;
}

/** mulberry32: a tiny, fast, seedable generator; statistical quality is ample for simulated latency. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function latencySampler(o: DelayOptions, random: () => number): () => number {
  const mean = o.mean ?? 10;
  const min = o.min ?? 0;
  const max = o.max ?? Number.POSITIVE_INFINITY;
  const clamp = (v: number) => Math.min(max, Math.max(min, v));
  switch (o.distribution ?? 'fixed') {
    case 'uniform':
      return () => min + random() * (max - min);
    case 'normal': {
      const sd = o.stddev ?? mean / 4;
      // Box-Muller; one of the pair is enough here.
      return () => clamp(mean + sd * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
    }
    case 'exponential':
      return () => clamp(-mean * Math.log(1 - random()));
    default:
      return () => mean;
  }
}

/**
 * A simulated system under test: each call resolves after a latency drawn from a distribution, and a
 * given fraction fails. Calls that would take longer than their timeout fail with `timeout` at the
 * timeout, as a real SDK deadline would.
 */
export const createDelayConnector: ConnectorFactory = async (ctx: ConnectorContext) => {
  const o = validateDelayOptions(ctx.network.options ?? {}, ctx.network.file ?? 'network options', 'options');
  const random = seededRandom((o.seed ?? 1) * 7919 + ctx.workerIndex);
  const nextLatency = latencySampler(o, random);
  const failureRatio = o.failureRatio ?? 0;
  const failure: TxOutcome = Object.freeze({ ok: false, stage: 'submit', reason: o.failureReason ?? 'simulated failure' });
  const ok: TxOutcome = Object.freeze({ ok: true });
  const call = (timeoutMs: number | undefined): Promise<TxOutcome> => {
    const latency = nextLatency();
    const limit = timeoutMs ?? ctx.txTimeoutMs;
    const outcome = latency > limit ? { ok: false, stage: 'timeout' as const, reason: 'timeout' } : random() < failureRatio ? failure : ok;
    return new Promise((resolve) => setTimeout(resolve, Math.min(latency, limit), outcome));
  };
  const connector: Connector = {
    type: 'delay',
    bcType: 'delay',
    submit: (req) => call(req.timeoutMs),
    evaluate: (req) => call(req.timeoutMs),
    close: async () => {},
  };
  return connector;
};
