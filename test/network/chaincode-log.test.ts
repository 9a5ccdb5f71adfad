/**
 * Where chaincode logs go, and what a log keeps: the folder rule (environment, state folder, a stable
 * temp folder per network name, a pid folder when that one is held by a live network), and console
 * calls routed to the log of the chaincode whose scope they run in.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ChaincodeLogs, chaincodeLogDir, routeChaincodeConsole } from '../../src/network/embedded/chaincode-log.ts';
import { chaincodeScope } from '../../src/network/embedded/chaincode-scope.ts';
import { removeTempDirs, tempDir } from './helpers.ts';

const name = `lbtest-${randomBytes(4).toString('hex')}`;
const parent = join(tmpdir(), 'ledgerbench-chaincode-logs');

afterAll(() => {
  rmSync(join(parent, name), { recursive: true, force: true });
  rmSync(join(parent, `${name}@${process.pid}`), { recursive: true, force: true });
  removeTempDirs();
});

describe('chaincodeLogDir', () => {
  test('LEDGERBENCH_CHAINCODE_LOGS wins; network up keeps them in its state folder', () => {
    const before = process.env.LEDGERBENCH_CHAINCODE_LOGS;
    try {
      process.env.LEDGERBENCH_CHAINCODE_LOGS = '/ci/artifacts/chaincode';
      expect(chaincodeLogDir('/state', true, name)).toBe('/ci/artifacts/chaincode');
      delete process.env.LEDGERBENCH_CHAINCODE_LOGS;
      expect(chaincodeLogDir('/state', true, name)).toBe(join('/state', 'chaincode-logs'));
    } finally {
      if (before !== undefined) process.env.LEDGERBENCH_CHAINCODE_LOGS = before;
    }
  });

  test('an attached network uses one folder per name; held by a live network, a pid folder; dead pid folders go', () => {
    const before = process.env.LEDGERBENCH_CHAINCODE_LOGS;
    delete process.env.LEDGERBENCH_CHAINCODE_LOGS;
    try {
      const base = join(parent, name);
      expect(chaincodeLogDir('/out', false, name)).toBe(base);
      expect(readFileSync(join(base, '.owner'), 'utf8')).toBe(String(process.pid));
      expect(chaincodeLogDir('/out', false, name)).toBe(base);
      writeFileSync(join(base, '.owner'), String(process.ppid));
      const deadPid = spawnSync('true').pid;
      mkdirSync(join(parent, `${name}@${deadPid}`));
      expect(chaincodeLogDir('/out', false, name)).toBe(`${base}@${process.pid}`);
      expect(existsSync(join(parent, `${name}@${deadPid}`))).toBe(false);
    } finally {
      if (before !== undefined) process.env.LEDGERBENCH_CHAINCODE_LOGS = before;
    }
  });
});

describe('console routing', () => {
  test("calls inside a chaincode's scope go to its log with the method and a time; calls outside stay on the console", async () => {
    const logs = new ChaincodeLogs(tempDir('lb-cc-log-'));
    const a = logs.open('asset', 'ch1');
    const b = logs.open('asset', 'ch2');
    expect(b.file).toBe(join(logs.dir, 'ch2.asset.log'));
    routeChaincodeConsole();
    await chaincodeScope.run({ log: a }, async () => {
      console.info('loaded %s', 'asset');
      await new Promise((r) => setTimeout(r, 1));
      console.error('two\nlines');
    });
    chaincodeScope.run({ log: b }, () => console.warn({ n: 1 }));
    chaincodeScope.run({}, () => console.log('no log: on the console'));
    expect(readFileSync(a.file, 'utf8')).toMatch(/^\S+Z info loaded asset\n\S+Z error two\n\S+Z error lines\n$/);
    expect(readFileSync(b.file, 'utf8')).toMatch(/^\S+Z warn { n: 1 }\n$/);
    expect(a.tail()).toEqual(['loaded asset', 'two', 'lines']);
  });
});
