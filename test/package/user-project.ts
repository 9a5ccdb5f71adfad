/**
 * Helpers of the installed-package test: the README's "Your project" section read as code (file
 * snippets and commands), a Node 22 to run the Vitest 5 half with, and commands run in a scratch
 * project with the environment a user's shell would have.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname } from 'node:path';

export interface CodeBlock {
  lang: string;
  text: string;
}

/** The fenced code blocks of one `## ` section of a Markdown file, in order. */
export function sectionBlocks(markdown: string, heading: string): CodeBlock[] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], text: m[2] }));
}

/** The file a block shows, named by its first line (`// perf/x.ts: ...` or `# networks/x.yaml`). */
export function blockPath(block: CodeBlock): string | undefined {
  const firstLine = block.text.split('\n', 1)[0];
  return /^(?:\/\/|#) ([\w.-]+(?:\/[\w.-]+)+|[\w-]+\.[\w.]+)(?::|$)/.exec(firstLine)?.[1];
}

/** The shell commands of the `sh` blocks, one a line, without their trailing comments. */
export function shellCommands(blocks: CodeBlock[]): string[] {
  return blocks
    .filter((b) => b.lang === 'sh')
    .flatMap((b) => b.text.split('\n'))
    .map((line) => line.replace(/\s+#\s.*$/, '').trim())
    .filter(Boolean);
}

const NODE_FOR_VITEST_5 = [22, 12];

function atLeast(version: string, [major, minor]: number[]): boolean {
  const [a, b] = version.replace(/^v/, '').split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

/** Whether this Node runs Vitest 5 (^22.12 or later). */
export const runsVitest5 = (version: string) => atLeast(version, NODE_FOR_VITEST_5);

/**
 * A Node 22.12+ binary: this one when it is, else LEDGERBENCH_NODE22 (.ci/run installs the npm
 * registry's `node@22` package and sets it). Undefined when there is none.
 */
export function findNode22(): string | undefined {
  if (runsVitest5(process.version)) return process.execPath;
  const named = process.env.LEDGERBENCH_NODE22;
  if (!named) return undefined;
  if (!existsSync(named)) throw new Error(`LEDGERBENCH_NODE22=${named}: no such file; point it at a Node 22.12+ binary (npm i node@22 puts one at node_modules/node/bin/node)`);
  const version = spawnSync(named, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!runsVitest5(version)) throw new Error(`LEDGERBENCH_NODE22=${named} is Node ${version}; Vitest 5 needs 22.12 or later`);
  return named;
}

/**
 * The environment of a user's shell with `node` (and so npm and npx) first on PATH: without the
 * variables of the Vitest run and the npm script this test runs under (npm_config_* would configure
 * the user's npm), without the CI step summary (the user's run must not write into ours), and with
 * npm reading its cache first.
 */
export function userEnv(node: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|VITEST|NODE_OPTIONS$|INIT_CWD$|GITHUB_STEP_SUMMARY$|TSX_)/i.test(key)) continue;
    env[key] = value;
  }
  env.PATH = [dirname(node), env.PATH].join(delimiter);
  env.npm_config_prefer_offline = 'true';
  env.npm_config_audit = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_update_notifier = 'false';
  return env;
}

export interface CommandResult {
  status: number | null;
  output: string;
}

/**
 * Runs one shell command as the user would type it. Through coreutils' `timeout`, which runs it in its
 * own process group and signals the whole group when time is up, so a hung Vitest run leaves no
 * workers or network process behind.
 */
export function runCommand(command: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 300_000): CommandResult {
  const run = spawnSync('timeout', ['-k', '10s', `${Math.ceil(timeoutMs / 1000)}s`, 'bash', '-c', command], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const timedOut = run.status === 124 ? `\n(timed out after ${timeoutMs} ms)` : '';
  const output = `$ ${command}\n${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? `\n${run.error.message}` : ''}${timedOut}`;
  return { status: run.status, output };
}

/** The version of a package installed in a project. */
export function installedVersion(project: string, name: string): string {
  return (JSON.parse(readFileSync(`${project}/node_modules/${name}/package.json`, 'utf8')) as { version: string }).version;
}
