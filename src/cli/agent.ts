/**
 * `ledgerbench agent --zookeeper HOST:PORT [--clients N]`: runs the worker agent of this host until
 * SIGINT/SIGTERM (exit code 0) or until it loses its ZooKeeper session (exit code 1).
 */
import { ConfigError } from '../config/errors.ts';
import { runAgent } from '../engine/zookeeper/agent.ts';
import { AGENT_HELP, helpText, parseCommandArgs } from './usage.ts';

const SOURCE = 'ledgerbench agent';

const OPTIONS = {
  zookeeper: { type: 'string', short: 'z' },
  clients: { type: 'string' },
  'session-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs the agent command with the arguments after `agent`; resolves with the exit code. */
export async function agentCommand(argv: string[]): Promise<number> {
  const { values } = parseCommandArgs({ args: argv, options: OPTIONS, strict: true }, AGENT_HELP);
  if (values.help) {
    process.stdout.write(helpText(AGENT_HELP));
    return 0;
  }
  if (!values.zookeeper) throw new ConfigError(SOURCE, '--zookeeper', 'the ZooKeeper server is missing', 'pass --zookeeper <host:port>, the server named in the benchmark under test.clients.zoo.server');
  const clients = positiveInt(values.clients, '--clients', 'the most workers this host runs at once');
  const sessionTimeoutMs = positiveInt(values['session-timeout'], '--session-timeout', 'the ZooKeeper session timeout in milliseconds (4000 or more)');

  const agent = await runAgent({ zookeeper: values.zookeeper, clients, sessionTimeoutMs });
  let stoppedBySignal = false;
  const onSignal = () => {
    stoppedBySignal = true;
    void agent.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await agent.ended;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return stoppedBySignal ? 0 : 1;
}

function positiveInt(raw: string | undefined, field: string, what: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(SOURCE, field, `${JSON.stringify(raw)} is not a positive whole number`, `pass ${field} <n>, ${what}`);
  return n;
}
