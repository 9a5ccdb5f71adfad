// Runs in every perf test file: registers the ledgerbench matchers on Vitest's expect, and ends the
// file's pooled workers after its last test.
import { afterAll, expect } from 'vitest';
import { closeWorkerPool } from './bench-round.ts';
import { baselineMatchers } from './baseline-matcher.ts';
import { ledgerbenchMatchers } from './matchers.ts';

expect.extend(ledgerbenchMatchers);
expect.extend(baselineMatchers);
afterAll(closeWorkerPool);
