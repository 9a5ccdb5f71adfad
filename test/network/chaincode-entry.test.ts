/**
 * Which file of a chaincode folder is loaded, read from package.json as `npm start` on a Fabric peer
 * would run it, and the errors that name package.json's field and the fix when nothing can be loaded.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ChaincodeLoadError } from '../../src/network/embedded/chaincode-error.ts';
import { chaincodeEntry } from '../../src/network/embedded/chaincode-entry.ts';
import { removeTempDirs, tempDir } from './helpers.ts';

/** A chaincode folder with these files (package.json given as an object). */
function folder(files: Record<string, string | object>): string {
  const dir = tempDir('lb-cc-entry-');
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));
  }
  return dir;
}

function loadError(dir: string): ChaincodeLoadError {
  try {
    chaincodeEntry(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ChaincodeLoadError);
    return err as ChaincodeLoadError;
  }
  throw new Error('chaincodeEntry did not throw');
}

afterAll(() => removeTempDirs());

describe('chaincodeEntry', () => {
  test.each([
    ['fabric-chaincode-node start', 'lib/main.js', 'contracts'],
    ['npm run build && npx fabric-chaincode-node start --peer.address peer0:7052', 'lib/main.js', 'contracts'],
    ['./node_modules/.bin/fabric-chaincode-node server --chaincode-address 0.0.0.0:9999', 'lib/main.js', 'contracts'],
    ['node account.js', 'account.js', 'program'],
    ['NODE_ENV=production node --require ./setup.js --max-old-space-size=512 dist/start', 'dist/start.js', 'program'],
  ])('start script %j loads %s', (start, file, kind) => {
    const dir = folder({
      'package.json': { name: 'cc', main: 'lib/main.js', scripts: { start } },
      'lib/main.js': '',
      'account.js': '',
      'dist/start.js': '',
    });
    const entry = chaincodeEntry(dir);
    expect(entry).toMatchObject({ dir, file: join(dir, file), kind, via: `package.json scripts.start "${start}"` });
  });

  test('without a start script: main, else index.js, else npm\'s default node server.js', () => {
    expect(chaincodeEntry(folder({ 'package.json': { main: 'cc.js' }, 'cc.js': '' }))).toMatchObject({ kind: 'module', via: 'package.json main "cc.js"' });
    expect(chaincodeEntry(folder({ 'package.json': {}, 'index.js': '' }))).toMatchObject({ kind: 'module', via: 'index.js' });
    const dir = folder({ 'package.json': {}, 'server.js': '' });
    expect(chaincodeEntry(dir)).toMatchObject({ kind: 'program', file: join(dir, 'server.js') });
  });

  test('a module file is loaded as it is', () => {
    const dir = folder({ 'chaincode.cjs': '' });
    expect(chaincodeEntry(join(dir, 'chaincode.cjs'))).toMatchObject({ dir, file: join(dir, 'chaincode.cjs'), kind: 'module' });
  });

  test('fabric-chaincode-node start without main or index.js names package.json main', () => {
    const err = loadError(folder({ 'package.json': { scripts: { start: 'fabric-chaincode-node start' } } }));
    expect(err.message).toMatch(/package\.json: scripts\.start "fabric-chaincode-node start" loads the contracts of "main", but there is no main and no index\.js/);
    expect(err.fix).toMatch(/set "main" in .*package\.json/);
  });

  test('a start script running a missing file names the file and the folder', () => {
    const dir = folder({ 'package.json': { scripts: { start: 'node chaincode.js' } } });
    const err = loadError(dir);
    expect(err.message).toBe(`${join(dir, 'package.json')}: scripts.start "node chaincode.js" runs chaincode.js, which does not exist in ${dir}`);
  });

  test('a start script that runs neither fabric-chaincode-node nor node says what to write', () => {
    const err = loadError(folder({ 'package.json': { main: 'index.js', scripts: { start: 'ts-node src/index.ts' } }, 'index.js': '' }));
    expect(err.message).toMatch(/package\.json: scripts\.start "ts-node src\/index\.ts" starts neither fabric-chaincode-node nor node <file>/);
    expect(err.fix).toMatch(/"fabric-chaincode-node start".*"node <file>"/);
  });

  test('a folder with nothing to load, and a package.json that is not JSON', () => {
    const empty = folder({ 'package.json': { name: 'empty' } });
    expect(loadError(empty).message).toBe(`${empty} has no package.json scripts.start, no main and no index.js`);
    expect(loadError(folder({ 'package.json': '{ "name": ' })).message).toMatch(/package\.json is not valid JSON/);
  });
});
