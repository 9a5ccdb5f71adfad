/**
 * The command line itself, run as users run it (`node bin/ledgerbench.js ...` in a child process):
 * each command's help, --version, bare `network`, and `network up` with a relative state folder.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { alive } from '../support/processes.ts';
import { Child, killAllChildren, killPids, ledgerbenchCli, REPO } from './child.ts';

/** Any stack frame: help and usage mistakes must never print one. */
const STACK = /^\s+at /m;

const tmp = mkdtempSync(join(tmpdir(), 'ledgerbench-commands-'));
const started: number[] = [];
afterAll(() => {
  killAllChildren();
  killPids(started);
  rmSync(tmp, { recursive: true, force: true });
});

describe.concurrent('help and version', () => {
  const own: [string[], RegExp, RegExp][] = [
    [['run', '--help'], /^Usage:\n {2}ledgerbench run --config <benchmark\.yaml> --network <network\.yaml>/, /--results <dir>/],
    [['agent', '--help'], /^Usage:\n {2}ledgerbench agent --zookeeper <host:port>/, /--session-timeout <ms>/],
    [['agent', '-h'], /^Usage:\n {2}ledgerbench agent --zookeeper <host:port>/, /--clients <n>/],
    [['network', 'up', '--help'], /^Usage:\n {2}ledgerbench network up <network\.yaml> \[--state <dir>\]\n\n/, /default \.ledgerbench/],
    [['network', 'down', '--help'], /^Usage:\n {2}ledgerbench network down \[--state <dir>\]\n\n/, /the folder given to network up/],
    [['network', '--help'], /^Usage:\n {2}ledgerbench network up <network\.yaml>.*\n {2}ledgerbench network down/, /Subcommands: up .*, down/],
    [['help', 'run'], /^Usage:\n {2}ledgerbench run --config/, /--config <file>/],
  ];
  test.each(own)('%j prints that command\'s own help (usage, options, an example) and exits 0', async (args, usage, option) => {
    const run = await ledgerbenchCli(args).finished;
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(usage);
    expect(run.stdout).toMatch(option);
    expect(run.stdout).toMatch(/\nExamples?:\n {2}ledgerbench /);
    // Not the global text, which lists every command and --version.
    expect(run.stdout).not.toContain('ledgerbench --version');
    if (args[0] !== 'agent' && args[1] !== 'agent') expect(run.stdout).not.toContain('ledgerbench agent');
    expect(run.stderr).toBe('');
  });

  test('--version and -v print the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const run = await ledgerbenchCli([flag]).finished;
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(`${version}\n`);
    }
  });

  test('bare `network` prints its subcommands, not "unknown command"', async () => {
    const run = await ledgerbenchCli(['network']).finished;
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/ledgerbench network up <network\.yaml>[\s\S]*ledgerbench network down/);
    expect(run.stderr).not.toMatch(/unknown command/);
  });

  test('a usage mistake in a subcommand prints that subcommand\'s help, without a stack trace', async () => {
    const agent = await ledgerbenchCli(['agent', '--bogus']).finished;
    expect(agent.code).toBe(2);
    expect(agent.stderr).toMatch(/^ledgerbench: Unknown option '--bogus'[\s\S]*Usage:\n {2}ledgerbench agent --zookeeper/);
    expect(agent.stderr).not.toMatch(STACK);
    const network = await ledgerbenchCli(['network', 'sideways']).finished;
    expect(network.code).toBe(2);
    expect(network.stderr).toMatch(/unknown network subcommand: sideways \(use up or down\)[\s\S]*ledgerbench network down/);
    const up = await ledgerbenchCli(['network', 'up']).finished;
    expect(up.code).toBe(2);
    expect(up.stderr).toMatch(/network up needs the network file[\s\S]*Usage:\n {2}ledgerbench network up/);
  });
});

test('`network up networks/embedded.yaml` with the default, relative state folder writes and stops it there', async () => {
  // The README's command, from a project folder that is not the repository (the network process runs
  // in another folder, where a relative state path named somewhere else).
  const bin = join(REPO, 'bin/ledgerbench.js');
  const network = join(REPO, 'networks/embedded.yaml');
  const up = await new Child(process.execPath, [bin, 'network', 'up', network], { cwd: tmp, timeoutMs: 60_000 }).finished;
  const state = JSON.parse(readFileSync(join(tmp, '.ledgerbench/network.json'), 'utf8')) as { pid: number; connectionFile: string };
  started.push(state.pid);
  expect(up.stderr).toBe('');
  expect(up.code).toBe(0);
  expect(up.stdout).toBe(`network up (pid ${state.pid}); connection file ${join(tmp, '.ledgerbench/connection.json')}\n`);
  expect(state.connectionFile).toBe(join(tmp, '.ledgerbench/connection.json'));
  expect(JSON.parse(readFileSync(state.connectionFile, 'utf8'))).toBeTypeOf('object');
  expect(alive(state.pid)).toBe(true);

  const down = await new Child(process.execPath, [bin, 'network', 'down'], { cwd: tmp, timeoutMs: 30_000 }).finished;
  expect(down.code).toBe(0);
  expect(down.stdout).toBe('network down\n');
  expect(alive(state.pid)).toBe(false);
  expect(existsSync(state.connectionFile)).toBe(false);
});
