/** The `ledgerbench` command. */
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/errors.ts';
import { networkDown, networkUp } from '../network/index.ts';
import { AGENT_USAGE, agentCommand } from './agent.ts';
import { runBenchmark } from './run.ts';

const USAGE = `Usage:
  ledgerbench run --config <benchmark.yaml> --network <network.yaml> [--results <dir>]
      Run a Caliper benchmark file (unchanged) against a network file.
  ledgerbench network up <network.yaml> [--state <dir>]
      Start a network (the embedded Fabric network) in the background.
  ledgerbench network down [--state <dir>]
      Stop it again.
${AGENT_USAGE}
  ledgerbench --help`;

const STATE_DIR = '.ledgerbench';

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        network: { type: 'string', short: 'n' },
        results: { type: 'string', default: 'ledgerbench-results' },
        state: { type: 'string', default: STATE_DIR },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    // An unknown or malformed option is a usage mistake: usage text and exit code 2, not a stack trace.
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

async function main(argv: string[]): Promise<number> {
  // The agent has options of its own, which the strict parser below would refuse.
  if (argv[0] === 'agent') return agentCommand(argv.slice(1));
  const { values, positionals } = parse(argv);
  const [command, sub, file] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  if (command === 'run') {
    if (!values.config || !values.network) throw new UsageError('run needs --config <benchmark.yaml> and --network <network.yaml>');
    return runBenchmark({ config: values.config, network: values.network, resultsDir: values.results as string });
  }
  if (command === 'network' && sub === 'up') {
    if (!file) throw new UsageError('network up needs the network file');
    const { connectionFile, pid } = await networkUp(file, values.state as string);
    process.stdout.write(`network up (pid ${pid}); connection file ${connectionFile}\n`);
    return 0;
  }
  if (command === 'network' && sub === 'down') {
    const stopped = await networkDown(values.state as string);
    process.stdout.write(stopped ? 'network down\n' : 'no network was running\n');
    return 0;
  }
  throw new UsageError(`unknown command: ${positionals.join(' ')}`);
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`ledgerbench: configuration error\n${err.message}\n`);
    else if (err instanceof UsageError) process.stderr.write(`ledgerbench: ${err.message}\n\n${USAGE}\n`);
    else process.stderr.write(`ledgerbench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = err instanceof UsageError || err instanceof ConfigError ? 2 : 1;
  },
);
