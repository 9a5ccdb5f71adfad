/**
 * What each controller module hands to the registry: its name, the options it accepts, its model,
 * an up-front validation and a factory. Controllers that wrap others (composite, record) receive the
 * registry's own entry points as `nested`, so no module imports the registry (no import cycle).
 */
import type { RateControlSpec } from '../config/types.ts';
import type { OptionSite, RoundShape } from './options.ts';
import type { RateContext, RateController } from './types.ts';

/** The registry's entry points, for controllers that contain other controllers. */
export interface NestedControllers {
  /** Validates a nested spec found at `field` (a full dotted path). */
  validate(spec: unknown, file: string, field: string, round: RoundShape): void;
  /** Builds a nested controller; `file` and `field` locate it for error messages. */
  create(spec: RateControlSpec, ctx: RateContext, file: string, field: string): Promise<RateController>;
  /** Open or closed model of a nested spec. */
  model(spec: RateControlSpec): 'open' | 'closed';
}

/** One rate controller type as the registry knows it. */
export interface RateControllerDefinition {
  /** The `type` users write in rateControl. */
  readonly type: string;
  /** Option names accepted; any other name is a configuration error. */
  readonly options: readonly string[];
  /** Open or closed model, decided from the options alone (before workers start). */
  model(opts: Record<string, unknown>, nested: NestedControllers): 'open' | 'closed';
  /** Checks options against the round; throws ConfigError naming the option. */
  validate(opts: Record<string, unknown>, site: OptionSite, round: RoundShape, nested: NestedControllers): void;
  /** Builds the controller inside a worker. */
  create(opts: Record<string, unknown>, ctx: RateContext, site: OptionSite, nested: NestedControllers): RateController | Promise<RateController>;
}
