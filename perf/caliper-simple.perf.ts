import { expect } from 'vitest';
import { caliperBenchmark } from 'ledgerbench';

// Caliper's "simple" benchmark file from the seed, unchanged: v0.1 callback modules (open.js,
// query.js), fixed-rate, docker and process monitors (no Docker engine here: the docker monitor warns
// once and the rounds go on). One test per round.
caliperBenchmark('fixtures/seed-configs/simple-config.yaml', {
  expectRound: (r) => {
    expect(r).toHaveSuccessRateAbove(0.99);
    expect(r).toHaveSendRateNear(r.label === 'open' ? 50 : 100, 0.05);
  },
});
