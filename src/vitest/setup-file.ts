// Runs in every perf test file: registers the ledgerbench matchers on Vitest's expect.
import { expect } from 'vitest';
import { ledgerbenchMatchers } from './matchers.ts';

expect.extend(ledgerbenchMatchers);
