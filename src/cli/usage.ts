/**
 * The CLI's help texts, one per command, and the error for a usage mistake. `ledgerbench <command>
 * --help` prints that command's text; a usage mistake prints the message and the text of the command
 * it was made in, so the reader sees the options that exist where they went wrong.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command's help: the usage lines, its options and an example. */
export interface CommandHelp {
  /** `run`, `network up`, ...; '' for ledgerbench itself. */
  name: string;
  usage: string[];
  summary: string;
  options?: [flag: string, meaning: string][];
  examples?: string[];
}

export const RUN_HELP: CommandHelp = {
  name: 'run',
  usage: ['ledgerbench run --config <benchmark.yaml> --network <network.yaml> [--results <dir>]'],
  summary: 'Run a Caliper benchmark file (unchanged) against a network file, print the round tables and write the reports.',
  options: [
    ['-c, --config <file>', 'the benchmark file (Caliper 0.1 to 0.7 shape)'],
    ['-n, --network <file>', 'the network file: type embedded | noop | delay, or a Fabric connection profile'],
    ['--results <dir>', 'where the run folder with results.json, report.html and summary.md goes (default ledgerbench-results)'],
    ['-h, --help', 'this help'],
  ],
  examples: ['ledgerbench run --config benchmarks/config.yaml --network networks/embedded.yaml'],
};

export const NETWORK_UP_HELP: CommandHelp = {
  name: 'network up',
  usage: ['ledgerbench network up <network.yaml> [--state <dir>]'],
  summary: 'Start a network (the embedded Fabric network, or a profile\'s caliper.command.start) in the background.',
  options: [
    ['--state <dir>', 'where its state (connection.json, network.json, network.log) goes (default .ledgerbench)'],
    ['-h, --help', 'this help'],
  ],
  examples: ['ledgerbench network up networks/embedded.yaml'],
};

export const NETWORK_DOWN_HELP: CommandHelp = {
  name: 'network down',
  usage: ['ledgerbench network down [--state <dir>]'],
  summary: 'Stop the network `network up` started.',
  options: [
    ['--state <dir>', 'the folder given to network up (default .ledgerbench)'],
    ['-h, --help', 'this help'],
  ],
  examples: ['ledgerbench network down'],
};

export const NETWORK_HELP: CommandHelp = {
  name: 'network',
  usage: [...NETWORK_UP_HELP.usage, ...NETWORK_DOWN_HELP.usage],
  summary: 'Run a network by hand. Subcommands: up (start it in the background), down (stop it).',
  examples: ['ledgerbench network up networks/embedded.yaml', 'ledgerbench network down', 'ledgerbench network up --help'],
};

export const AGENT_HELP: CommandHelp = {
  name: 'agent',
  usage: ['ledgerbench agent --zookeeper <host:port> [--clients <n>] [--session-timeout <ms>]'],
  summary: "Run this host's worker agent for benchmarks with `clients: { type: zookeeper }`, until Ctrl-C.",
  options: [
    ['-z, --zookeeper <host:port>', 'the ZooKeeper server named in the benchmark under test.clients.zoo.server'],
    ['--clients <n>', 'the most workers this host runs at once'],
    ['--session-timeout <ms>', 'the ZooKeeper session timeout (4000 or more)'],
    ['-h, --help', 'this help'],
  ],
  examples: ['ledgerbench agent --zookeeper zk-host:2181 --clients 5'],
};

export const MAIN_HELP: CommandHelp = {
  name: '',
  usage: [...RUN_HELP.usage, ...NETWORK_HELP.usage, ...AGENT_HELP.usage, 'ledgerbench <command> --help', 'ledgerbench --version'],
  summary: 'Performance tests for Hyperledger Fabric: Caliper benchmark files, rate controllers, worker processes and reports.',
  options: [
    ['-h, --help', 'this help; after a command, that command\'s help'],
    ['-v, --version', "ledgerbench's version"],
  ],
  examples: RUN_HELP.examples,
};

/** The help text as printed. */
export function helpText(help: CommandHelp): string {
  const lines = ['Usage:', ...help.usage.map((u) => `  ${u}`), '', help.summary];
  if (help.options?.length) {
    const width = Math.max(...help.options.map(([flag]) => flag.length));
    lines.push('', 'Options:', ...help.options.map(([flag, meaning]) => `  ${flag.padEnd(width)}  ${meaning}`));
  }
  if (help.examples?.length) lines.push('', help.examples.length > 1 ? 'Examples:' : 'Example:', ...help.examples.map((e) => `  ${e}`));
  return `${lines.join('\n')}\n`;
}

/** A mistake in how the command was called: printed with that command's help, exit code 2. */
export class UsageError extends Error {
  readonly help: CommandHelp;

  constructor(message: string, help: CommandHelp) {
    super(message);
    this.name = 'UsageError';
    this.help = help;
  }
}

/**
 * node:util's parseArgs (strict), with its errors (unknown option, missing value) turned into a
 * UsageError carrying `help`, so they print as a usage mistake rather than a stack trace.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T, help: CommandHelp): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), help);
  }
}
