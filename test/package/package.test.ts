/**
 * The published package as a user gets it: `npm pack` (which builds dist/), the tarball unpacked into
 * a consumer project's node_modules, and that project's own Vitest run importing `ledgerbench/vitest`
 * and `ledgerbench` with plain Node (no tsx, no aliases), plus the bin.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';

const REPO = resolve('.');
// Inside the repository, so the consumer resolves the packages ledgerbench depends on from the
// repository's node_modules, as an install would have placed them beside it.
let consumer: string;

beforeAll(() => {
  mkdirSync(join(REPO, '.tmp'), { recursive: true });
  consumer = mkdtempSync(join(REPO, '.tmp', 'consumer-'));
  const packed = spawnSync('npm', ['pack', '--pack-destination', consumer, '--silent'], { cwd: REPO, encoding: 'utf8' });
  if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  const tarball = readdirSync(consumer).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('npm pack wrote no tarball');
  const target = join(consumer, 'node_modules', 'ledgerbench');
  mkdirSync(target, { recursive: true });
  const untar = spawnSync('tar', ['-xzf', join(consumer, tarball), '-C', target, '--strip-components=1']);
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'consumer', type: 'module', private: true }),
    'vitest.config.js': [
      "import { defineConfig } from 'vitest/config';",
      "import { ledgerbench } from 'ledgerbench/vitest';",
      "export default defineConfig({ test: { projects: [ledgerbench({ network: 'node_modules/ledgerbench/networks/noop.yaml', include: ['perf/*.perf.js'], resultsDir: 'results' })] } });",
    ].join('\n'),
    'perf/workload.js': "import { defineWorkload } from 'ledgerbench';\nexport default defineWorkload({ run: (ctx, tx) => ctx.submit({ contract: 'c', fn: 'f', args: [tx.uniqueKey('k')] }) });\n",
    'perf/noop.perf.js': [
      "import { expect, test } from 'vitest';",
      "import { benchRound } from 'ledgerbench';",
      "test('a round from the installed package', async () => {",
      "  const r = await benchRound({ label: 'packaged', txNumber: 200, rateControl: { type: 'fixed-rate', opts: { tps: 200 } }, workload: './workload.js' });",
      '  expect(r).toHaveNoFailures();',
      '  expect(r.succeeded).toBe(200);',
      '});',
    ].join('\n'),
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(consumer, name, '..'), { recursive: true });
    writeFileSync(join(consumer, name), text);
  }
}, 120_000);

afterAll(() => {
  if (consumer) rmSync(consumer, { recursive: true, force: true });
});

test('the tarball ships the compiled package, not the sources', () => {
  const pkg = join(consumer, 'node_modules', 'ledgerbench');
  expect(readdirSync(pkg).sort()).toEqual(expect.arrayContaining(['bin', 'dist', 'fixtures', 'networks', 'package.json']));
  expect(readdirSync(pkg)).not.toContain('src');
  expect(readdirSync(join(pkg, 'dist', 'report', 'assets')).sort()).toEqual(['report.css', 'report.js']);
});

test("a consumer's Vitest run loads ledgerbench/vitest and runs a round with plain Node", () => {
  const run = spawnSync(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run'], { cwd: consumer, encoding: 'utf8', timeout: 120_000 });
  const output = `${run.stdout}\n${run.stderr}`;
  expect(output).toMatch(/packaged/);
  expect(run.status, output).toBe(0);
  expect(readdirSync(join(consumer, 'results')).length).toBe(1);
}, 150_000);

test('the installed bin runs from dist/', () => {
  const run = spawnSync(process.execPath, [join(consumer, 'node_modules/ledgerbench/bin/ledgerbench.js'), '--help'], { cwd: consumer, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/ledgerbench run --config/);
});
