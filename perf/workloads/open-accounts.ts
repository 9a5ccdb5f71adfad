import { defineWorkload } from 'ledgerbench';

/**
 * Opens one fresh account per transaction. uniqueKey() gives every transaction of every worker its own
 * key, so no two transactions touch the same account (no MVCC conflicts by construction).
 */
export default defineWorkload({
  run: (ctx, tx) => ctx.submit({ contract: 'simple', fn: 'open', args: [tx.uniqueKey('acc'), String(ctx.arguments.money ?? 1000)] }),
});
