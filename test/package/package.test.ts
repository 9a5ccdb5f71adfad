/**
 * ledgerbench as a user installs it into their own project. `npm pack` (which builds dist/), then the
 * README's "Your project" section followed command by command in a copy of fixtures/user-project/
 * outside the repository, so nothing resolves from the repository's node_modules: `npm init -y`,
 * `npm i -D <the tarball> vitest`, the chaincode's own `npm install`, `npx vitest run --project perf`,
 * and the GitHub Actions job's steps. Twice: on the Node running this test in the CommonJS project
 * `npm init -y` makes (Node 20: npm picks Vitest 4 and fabric-gateway 1.11), and on Node 22 with
 * Vitest 5 and fabric-gateway 1.12 in an ES module project.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { blockPath, type CodeBlock, findNode22, installedVersion, runCommand, runsVitest5, sectionBlocks, shellCommands, userEnv } from './user-project.ts';

const REPO = resolve('.');
const FIXTURE = join(REPO, 'fixtures/user-project');
const README_BLOCKS = sectionBlocks(readFileSync(join(REPO, 'README.md'), 'utf8'), 'Your project');
const COMMANDS = shellCommands(README_BLOCKS);
const INSTALL = 'npm i -D ledgerbench vitest';
const PERF_RUN = 'npx vitest run --project perf';

let scratch: string;
let tarball: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ledgerbench-user-'));
  const packed = spawnSync('npm', ['pack', '--pack-destination', scratch, '--silent'], { cwd: REPO, encoding: 'utf8' });
  if (packed.status !== 0) throw new Error(`npm pack failed (the build runs tsc over src/):\n${packed.stdout}\n${packed.stderr}`);
  const name = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
  if (!name) throw new Error('npm pack wrote no tarball');
  tarball = join(scratch, name);
}, 180_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Every file under `dir`, relative to it, leaving out what an install or a run adds. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter((f) => !/(^|\/)(node_modules|ledgerbench-results)\//.test(f) && !f.endsWith('package-lock.json'));
}

test("the README's Your project section shows the fixture's files as they are", () => {
  const shown = new Map(README_BLOCKS.map((b): [string | undefined, CodeBlock] => [blockPath(b), b]));
  const userFiles = filesUnder(FIXTURE).filter((f) => !f.startsWith('chaincode/') && f !== '.gitignore');
  expect(userFiles.length).toBeGreaterThan(4);
  for (const file of userFiles) {
    expect(shown.get(file)?.text, `README.md's "Your project" shows ${file}`).toBe(readFileSync(join(FIXTURE, file), 'utf8'));
  }
  expect(COMMANDS).toEqual(expect.arrayContaining([INSTALL, PERF_RUN]));
});

test('the tarball ships the compiled package without sources or source maps', () => {
  const listing = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n');
  expect(listing).toContain('package/dist/index.js');
  expect(listing).toContain('package/dist/workload.js');
  expect(listing).toContain('package/dist/report/assets/report.js');
  expect(listing.filter((f) => f.startsWith('package/src/'))).toEqual([]);
  expect(listing.filter((f) => f.endsWith('.map'))).toEqual([]);
});

interface Scenario {
  title: string;
  node: string;
  moduleType: 'commonjs' | 'module';
  vitestMajor: number;
  fabricGateway: RegExp;
  /** Whether this scenario also runs the GitHub Actions job's steps. */
  workflow: boolean;
}

const node22 = findNode22();
const NO_NODE_22 = 'Node 22.12+ is not installed: set LEDGERBENCH_NODE22 to a Node 22 binary (npm i node@22 puts one at node_modules/node/bin/node)';
const scenarios: Scenario[] = [
  {
    title: `Node ${process.version}, CommonJS project`,
    node: process.execPath,
    moduleType: 'commonjs',
    vitestMajor: runsVitest5(process.version) ? 5 : 4,
    fabricGateway: runsVitest5(process.version) ? /^1\.1[2-9]\./ : /^1\.11\./,
    workflow: runsVitest5(process.version),
  },
];
if (node22 && node22 !== process.execPath) {
  scenarios.push({ title: 'Node 22 + Vitest 5, ES module project', node: node22, moduleType: 'module', vitestMajor: 5, fabricGateway: /^1\.1[2-9]\./, workflow: true });
}

if (!node22) {
  test('Node 22 + Vitest 5, ES module project', (ctx) => {
    if (process.env.CI) throw new Error(`${NO_NODE_22}; CI must run the Vitest 5 half (.ci/run sets it)`);
    ctx.skip(NO_NODE_22);
  });
}

describe.each(scenarios)('$title', (scenario) => {
  let project: string;
  let env: NodeJS.ProcessEnv;
  const run = (command: string, cwd = project) => {
    const r = runCommand(command.replace(/^npm i -D ledgerbench /, `npm i -D ${tarball} `), cwd, env);
    expect(r.status, r.output.slice(-6000)).toBe(0);
    return r.output;
  };

  beforeAll(() => {
    project = join(scratch, `project-${scenario.moduleType}`);
    cpSync(FIXTURE, project, { recursive: true, filter: (src) => !/(node_modules|ledgerbench-results)$/.test(src) });
    env = userEnv(scenario.node);
  });

  test("the README's install commands set the project up", () => {
    for (const command of COMMANDS.filter((c) => c !== PERF_RUN)) {
      run(command);
      // The ES module variant of what `npm init -y` makes: the rest is the same.
      if (command === 'npm init -y' && scenario.moduleType === 'module') run('npm pkg set type=module');
    }
    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).type).toBe(scenario.moduleType);
    expect(installedVersion(project, 'vitest').split('.')[0]).toBe(String(scenario.vitestMajor));
    expect(installedVersion(project, '@hyperledger/fabric-gateway')).toMatch(scenario.fabricGateway);
    // The chaincode's own fabric-contract-api, not the one ledgerbench brought.
    expect(existsSync(join(project, 'chaincode/node_modules/fabric-contract-api/package.json'))).toBe(true);
  }, 600_000);

  // With the workflow, its last step is the README's `npx vitest run --project perf`: run once, after `npm ci`.
  const perfTitle = scenario.workflow
    ? "the GitHub Actions job's steps (npm ci on the lockfiles the install wrote, then npx vitest run --project perf) run the TypeScript and CommonJS workloads against the chaincode"
    : 'npx vitest run --project perf runs the TypeScript and CommonJS workloads against the chaincode';
  test(perfTitle, () => {
    let output = '';
    if (scenario.workflow) {
      const job = readWorkflowJob();
      expect(job.nodeVersion).toBe(22);
      expect(job.steps.at(-1)?.run).toBe(PERF_RUN);
      for (const step of job.steps) output = run(step.run, join(project, step.cwd ?? '.'));
    } else {
      output = run(PERF_RUN);
    }
    expect(output).not.toMatch(/Sourcemap for/);
    expect(output).not.toMatch(/node_modules\/ledgerbench\/src\//);
    const rounds = latestResults(project).rounds.map((r) => [r.label, r.succeeded, r.failed]);
    expect(rounds).toEqual([
      ['create', 200, 0],
      ['read', 200, 0],
    ]);
  }, 600_000);

  // Vitest 4's typing is checked by the repository's own typecheck (fixtures/ is in tsconfig.json).
  test.runIf(scenario.vitestMajor === 5)('TypeScript accepts vitest.config.ts, the perf file and its matchers with the installed Vitest', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, include: ['perf', 'vitest.config.ts'] }),
    );
    const typo = join(project, 'perf/typo.ts');
    writeFileSync(typo, "import { expect } from 'vitest';\nimport type { RoundResult } from 'ledgerbench';\nexport const check = (r: RoundResult) => expect(r).toHaveThroughputAbov(1);\n");
    const tsc = runCommand(`${JSON.stringify(scenario.node)} ${join(REPO, 'node_modules/typescript/bin/tsc')} -p .`, project, env, 120_000);
    rmSync(typo);
    // The one error is the misspelt matcher (so the matchers are typed, not `any`); the rest is clean.
    const errors = tsc.output.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(errors, tsc.output).toHaveLength(1);
    expect(errors[0]).toMatch(/^perf\/typo\.ts.*toHaveThroughputAbov/);
  }, 180_000);

  test("require('ledgerbench') gives CommonJS the workload API, require('ledgerbench/vitest') the plugin, and the bin runs", () => {
    const api = run(`node -e "const l = require('ledgerbench'); const v = require('ledgerbench/vitest'); console.log(typeof l.WorkloadModuleBase, typeof l.defineWorkload, typeof v.ledgerbench)"`);
    expect(api).toMatch(/function function function/);
    expect(run('npx ledgerbench --help')).toMatch(/ledgerbench run/);
  }, 60_000);

  test('npx ledgerbench run loads a TypeScript workload from the installed package too', () => {
    // A Caliper 0.4+ benchmark file naming the project's TypeScript workload: the bin runs from
    // dist/ on plain Node, so this passes only when the manager process can load `.ts` as well.
    const benchmark = ['test:', '  workers: { type: local, number: 1 }', '  rounds:', '    - label: cli-create', '      txNumber: 20', '      rateControl: { type: fixed-rate, opts: { tps: 20 } }', '      workload: { module: perf/workloads/create-asset.ts }', ''];
    writeFileSync(join(project, 'benchmark.yaml'), benchmark.join('\n'));
    run('npx ledgerbench run --config benchmark.yaml --network networks/embedded.yaml --results cli-results');
    const [round] = latestResults(project, 'cli-results').rounds;
    expect([round.label, round.succeeded, round.failed]).toEqual(['cli-create', 20, 0]);
  }, 180_000);
});

interface ResultsFile {
  rounds: Array<{ label: string; succeeded: number; failed: number }>;
}

function latestResults(project: string, folder = 'ledgerbench-results'): ResultsFile {
  const dir = join(project, folder);
  const latest = readdirSync(dir).sort().at(-1);
  if (!latest) throw new Error(`no results under ${dir}`);
  return JSON.parse(readFileSync(join(dir, latest, 'results.json'), 'utf8')) as ResultsFile;
}

interface WorkflowStep {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  'working-directory'?: string;
}

/** The perf job of the fixture's workflow: its Node version and its `run` steps. */
function readWorkflowJob(): { nodeVersion: unknown; steps: Array<{ run: string; cwd?: string }> } {
  const workflow = load(readFileSync(join(FIXTURE, '.github/workflows/perf.yml'), 'utf8')) as { jobs: { perf: { steps: WorkflowStep[] } } };
  const steps = workflow.jobs.perf.steps;
  return {
    nodeVersion: steps.find((s) => s.uses?.startsWith('actions/setup-node'))?.with?.['node-version'],
    steps: steps.filter((s) => s.run).map((s) => ({ run: s.run as string, cwd: s['working-directory'] })),
  };
}
