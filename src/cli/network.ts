/** `ledgerbench network up <file> [--state <dir>]` and `ledgerbench network down [--state <dir>]`. */
import { resolve } from 'node:path';
import { networkDown, networkUp } from '../network/index.ts';
import { helpText, NETWORK_DOWN_HELP, NETWORK_HELP, NETWORK_UP_HELP, parseCommandArgs, UsageError } from './usage.ts';

/** Where `network up` keeps its state when --state is not given, relative to the current folder. */
const STATE_DIR = '.ledgerbench';

/** Runs `network <sub> ...`; resolves with the exit code. */
export async function networkCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    // Bare `network` names its subcommands rather than calling itself an unknown command.
    process.stdout.write(helpText(NETWORK_HELP));
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'up') return up(rest);
  if (sub === 'down') return down(rest);
  throw new UsageError(`unknown network subcommand: ${sub} (use up or down)`, NETWORK_HELP);
}

const STATE_OPTIONS = { state: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

async function up(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({ args: argv, options: STATE_OPTIONS, allowPositionals: true, strict: true }, NETWORK_UP_HELP);
  if (values.help) {
    process.stdout.write(helpText(NETWORK_UP_HELP));
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'network up needs the network file' : `network up takes one network file, got ${positionals.join(' ')}`, NETWORK_UP_HELP);
  // Absolute before it leaves this process: the network process runs in another folder, where a
  // relative state folder would name somewhere else.
  const { connectionFile, pid } = await networkUp(positionals[0], stateDir(values.state));
  process.stdout.write(`network up (pid ${pid}); connection file ${connectionFile}\n`);
  return 0;
}

async function down(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs({ args: argv, options: STATE_OPTIONS, allowPositionals: true, strict: true }, NETWORK_DOWN_HELP);
  if (values.help) {
    process.stdout.write(helpText(NETWORK_DOWN_HELP));
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`network down takes no file, got ${positionals.join(' ')} (it stops what --state names)`, NETWORK_DOWN_HELP);
  const stopped = await networkDown(stateDir(values.state));
  process.stdout.write(stopped ? 'network down\n' : 'no network was running\n');
  return 0;
}

function stateDir(option: string | undefined): string {
  return resolve(option ?? STATE_DIR);
}
