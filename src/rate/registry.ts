/**
 * The one entry point other rooms use for rate control: which controllers exist, validating a spec
 * before any worker starts, labelling it open or closed model, and building it inside a worker.
 */
import { ConfigError } from '../config/errors.ts';
import type { RateControlSpec } from '../config/types.ts';
import { compositeRate } from './composite-rate.ts';
import type { NestedControllers, RateControllerDefinition } from './definition.ts';
import { fixedFeedbackRate } from './fixed-feedback-rate.ts';
import { fixedBacklog, fixedLoad } from './fixed-load.ts';
import { fixedRate } from './fixed-rate.ts';
import { linearRate } from './linear-rate.ts';
import { maximumRate } from './maximum-rate.ts';
import type { OptionSite, RoundShape } from './options.ts';
import { show } from './options.ts';
import { recordRate } from './record-rate.ts';
import { replayRate } from './replay-rate.ts';
import type { RateContext, RateController } from './types.ts';
import { zeroRate } from './zero-rate.ts';

export type { RoundShape } from './options.ts';

const DEFINITIONS = new Map<string, RateControllerDefinition>(
  [fixedRate, fixedLoad, fixedBacklog, linearRate, compositeRate, zeroRate, maximumRate, fixedFeedbackRate, recordRate, replayRate].map((d) => [d.type, d]),
);

/** Names of every registered controller, sorted (used in error messages). */
export function knownRateControllers(): string[] {
  return [...DEFINITIONS.keys()].sort();
}

/** Checks the outer shape of a spec and returns its definition and options. */
function resolve(spec: unknown, file: string, field: string): { def: RateControllerDefinition; opts: Record<string, unknown>; site: OptionSite } {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new ConfigError(file, field, `must be an object with a type, got ${show(spec)}`, "write e.g. { type: 'fixed-rate', opts: { tps: 50 } }");
  }
  const { type, opts } = spec as { type?: unknown; opts?: unknown };
  if (typeof type !== 'string' || type === '') {
    throw new ConfigError(file, `${field}.type`, `must name a rate controller, got ${show(type)}`, `use one of: ${knownRateControllers().join(', ')}`);
  }
  const def = DEFINITIONS.get(type);
  if (def === undefined) {
    throw new ConfigError(file, `${field}.type`, `unknown rate controller ${show(type)}`, `use one of: ${knownRateControllers().join(', ')}`);
  }
  if (opts !== undefined && opts !== null && (typeof opts !== 'object' || Array.isArray(opts))) {
    throw new ConfigError(file, `${field}.opts`, `must be a mapping of option names to values, got ${show(opts)}`, `write e.g. opts: { ${def.options[0] ?? ''}: ... } or leave opts out`);
  }
  const unknownKey = Object.keys(spec).find((k) => k !== 'type' && k !== 'opts');
  if (unknownKey !== undefined) {
    throw new ConfigError(file, `${field}.${unknownKey}`, 'is not part of a rateControl entry (only type and opts are)', `move ${unknownKey} under opts, or remove it`);
  }
  return { def, opts: (opts ?? {}) as Record<string, unknown>, site: { file, field, type } };
}

const nested: NestedControllers = {
  validate: (spec, file, field, round) => validateRateControl(spec as RateControlSpec, file, field, round),
  create: (spec, ctx, file, field) => build(spec, ctx, file, field),
  model: (spec) => rateModel(spec),
};

/**
 * Validate a spec before any worker starts; throws ConfigError(file, field, problem, fix).
 * `field` is the path of the rateControl entry, e.g. 'test.rounds[0].rateControl[1]'. Unknown
 * types list the known ones; bad, missing or unknown options and bad nested controllers (composite,
 * record) are reported with the option's full path. `round` may carry more than txNumber /
 * txDuration (a RoundSpec does): with `workers` the load split is checked, and with `workers`,
 * `roundIndex` and `baseDir` replay-rate checks that every worker's trace file exists.
 */
export function validateRateControl(spec: RateControlSpec, file: string, field: string, round: RoundShape): void {
  const { def, opts, site } = resolve(spec, file, field);
  def.validate(opts, site, round, nested);
}

async function build(spec: RateControlSpec, ctx: RateContext, file: string, field: string): Promise<RateController> {
  const { def, opts, site } = resolve(spec, file, field);
  return def.create(opts, ctx, site, nested);
}

/**
 * Build a controller inside a worker. Options are checked again (a ConfigError locates the entry by
 * round); replay-rate reads its trace here, so a missing or garbled file fails before sending.
 */
export function createRateController(spec: RateControlSpec, ctx: RateContext): Promise<RateController> {
  return build(spec, ctx, `round ${ctx.roundIndex} '${ctx.roundLabel}'`, 'rateControl');
}

/**
 * Whether the spec is open-model (intended times on an absolute clock) or closed-model (driven by
 * the backlog; fixed-load, fixed-backlog, fixed-feedback-rate, and wrappers containing them), for
 * labelling results before workers start.
 */
export function rateModel(spec: RateControlSpec): 'open' | 'closed' {
  const { def, opts } = resolve(spec, 'rateModel()', 'rateControl');
  return def.model(opts, nested);
}
