import { defineWorkload } from 'ledgerbench';

/**
 * Increments a counter. With `arguments.shared: true` every transaction increments the same counter:
 * transactions in the same block read the same version and all but one fail validation with
 * MVCC_READ_CONFLICT, which is what the seed's chapter 7 ran into. Otherwise each transaction gets
 * its own counter (uniqueKey) and nothing conflicts.
 */
export default defineWorkload({
  run: (ctx, tx) => ctx.submit({ contract: 'counter', fn: 'increment', args: [ctx.arguments.shared ? 'hot-counter' : tx.uniqueKey('counter')] }),
});
