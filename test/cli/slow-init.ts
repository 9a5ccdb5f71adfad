import { defineWorkload } from '../../src/engine/workload-api.ts';

/**
 * A workload whose init takes 20 s: its workers are not ready for that long, so a test can interrupt
 * `ledgerbench run` while a round is still starting.
 */
export default defineWorkload({
  init: () => new Promise((resolve) => setTimeout(resolve, 20_000)),
  run: (ctx) => ctx.submit({ contract: 'noop', fn: 'noop', args: [] }),
});
