import type { RoundSpec } from '../../config/types.ts';
import type { ZooKeeperLauncher } from './launcher.ts';

/**
 * Caliper ran `clientsPerHost` workers on every agent host, so a round's worker count is the agents
 * registered when it starts times clientsPerHost (the spec's `workers`); at least one agent's worth,
 * which the launcher then waits for. A txNumber round too small to give every worker a transaction
 * keeps its own count.
 */
export async function sizeForAgents(spec: RoundSpec, launcher: ZooKeeperLauncher): Promise<RoundSpec> {
  const agents = (await launcher.agents()).length;
  const workers = Math.max(1, agents) * spec.workers;
  return spec.txNumber !== undefined && spec.txNumber < workers ? spec : { ...spec, workers };
}
