/** The `ledgerbench` command: dispatches to `run`, `network up|down` and `agent`, each with its own help. */
import { ConfigError } from '../config/errors.ts';
import { toolVersion } from '../version.ts';
import { AGENT_HELP, helpText, MAIN_HELP, NETWORK_HELP, RUN_HELP, UsageError } from './usage.ts';

const COMMANDS = { run: RUN_HELP, network: NETWORK_HELP, agent: AGENT_HELP };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined) {
    process.stdout.write(helpText(MAIN_HELP));
    return 2;
  }
  if (command === '--help' || command === '-h') {
    process.stdout.write(helpText(MAIN_HELP));
    return 0;
  }
  if (command === '--version' || command === '-v') {
    process.stdout.write(`${toolVersion()}\n`);
    return 0;
  }
  // `ledgerbench help run` reads as naturally as `ledgerbench run --help`.
  if (command === 'help') {
    const help = COMMANDS[rest[0] as keyof typeof COMMANDS];
    if (rest[0] !== undefined && !help) throw new UsageError(`no help for unknown command ${rest[0]}`, MAIN_HELP);
    process.stdout.write(helpText(help ?? MAIN_HELP));
    return 0;
  }
  // Each command loads its own modules (engine, network, reports) only when it runs, so --help and
  // --version answer at once.
  if (command === 'run') return (await import('./run.ts')).runCommand(rest);
  if (command === 'network') return (await import('./network.ts')).networkCommand(rest);
  if (command === 'agent') return (await import('./agent.ts')).agentCommand(rest);
  throw new UsageError(`unknown command: ${command}`, MAIN_HELP);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`ledgerbench: configuration error\n${err.message}\n`);
    else if (err instanceof UsageError) process.stderr.write(`ledgerbench: ${err.message}\n\n${helpText(err.help)}`);
    else process.stderr.write(`ledgerbench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = err instanceof UsageError || err instanceof ConfigError ? 2 : 1;
  },
);
