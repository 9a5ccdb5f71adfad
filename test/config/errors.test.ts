import { expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';

test('ConfigError names file, field and fix', () => {
  const e = new ConfigError('a.yaml', 'test.rounds[0].txNumber', 'must be positive', 'use a number above 0');
  expect(e.message).toBe('a.yaml: test.rounds[0].txNumber: must be positive\n  fix: use a number above 0');
});
