import { defineWorkload } from 'ledgerbench';

/**
 * Transfers between accounts an earlier `open-accounts` round created (its round index comes in
 * `arguments.accountsRound`). Transaction `seq` moves money from account 2*seq to account 2*seq+1 of
 * that round, so concurrent transfers never share an account. The open round's seq numbers cover
 * 0..txNumber-1 exactly, so it must have opened twice as many accounts as this round transfers.
 */
export default defineWorkload({
  run(ctx, tx) {
    const round = Number(ctx.arguments.accountsRound);
    const from = ctx.keyFor('acc', round, 2 * tx.seq);
    const to = ctx.keyFor('acc', round, 2 * tx.seq + 1);
    return ctx.submit({ contract: 'simple', fn: 'transfer', args: [from, to, String(ctx.arguments.amount ?? 1)] });
  },
});
