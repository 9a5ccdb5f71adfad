/**
 * zero-rate `{}`: sends nothing. Useful as an idle phase of a txDuration round (alone, or as a
 * share of a composite-rate); a txNumber round with it would never reach its count, so that is
 * rejected up front.
 */
import { ConfigError } from '../config/errors.ts';
import type { RateControllerDefinition } from './definition.ts';
import { checkKnownOptions } from './options.ts';
import type { RateController } from './types.ts';

/** Answers `Infinity` ("send nothing more") to every call. */
class ZeroRateController implements RateController {
  readonly model = 'open' as const;
  next(): number {
    return Number.POSITIVE_INFINITY;
  }
}

/** The zero-rate controller type. */
export const zeroRate: RateControllerDefinition = {
  type: 'zero-rate',
  options: [],
  model: () => 'open',
  validate(opts, site, round) {
    checkKnownOptions(opts, site, []);
    if (round.txNumber !== undefined) {
      throw new ConfigError(
        site.file,
        `${site.field}.type`,
        'zero-rate sends no transactions, so a txNumber round (or txNumber share) using it would never finish',
        'give this round a txDuration instead of txNumber, or use another controller',
      );
    }
  },
  create: () => new ZeroRateController(),
};
