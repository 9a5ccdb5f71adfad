import { defineWorkload } from 'ledgerbench';

/**
 * Reads back the accounts an earlier `open-accounts` round opened (its round index comes in
 * `arguments.accountsRound`): transaction `seq` queries that round's account `seq`, so every read
 * finds a committed key. A query is one evaluate on a peer, without ordering.
 */
export default defineWorkload({
  run(ctx, tx) {
    const key = ctx.keyFor('acc', Number(ctx.arguments.accountsRound), tx.seq);
    return ctx.evaluate({ contract: 'simple', fn: 'query', args: [key] });
  },
});
