/**
 * Opens whatever a network file describes: the simulated systems under test (`type: noop`,
 * `type: delay`), which need no process, or anything startNetwork() knows (the embedded Fabric network,
 * Fabric connection profiles).
 */
import { resolve } from 'node:path';
import { ConfigError } from '../config/errors.ts';
import { readYamlFile } from '../config/yaml.ts';
import { validateDelayOptions } from '../connectors/delay.ts';
import type { NetworkRef } from '../connectors/types.ts';
import { startNetwork } from './index.ts';
import type { NetworkHandle } from './types.ts';

const SIMULATED = ['noop', 'delay'];

/** Brings up (or just describes) the network in `file`. */
export async function openNetwork(file: string, opts: { log?: (line: string) => void } = {}): Promise<NetworkHandle> {
  const path = resolve(file);
  const doc = readYamlFile(path) as Record<string, unknown> | null;
  const type = doc && typeof doc === 'object' ? doc.type : undefined;
  if (typeof type === 'string' && SIMULATED.includes(type)) {
    for (const key of Object.keys(doc as object)) {
      if (!['type', 'name', 'options'].includes(key)) throw new ConfigError(path, key, `is not a field of a ${type} network file`, 'use only type, name and options');
    }
    const ref: NetworkRef = { connector: type, file: path, options: (doc?.options as Record<string, unknown>) ?? {} };
    // Field names as the user wrote them: `type` picks the connector, `options` configures it.
    if (type === 'delay') validateDelayOptions(ref.options ?? {}, path, 'options');
    return { ref, pids: [], metricsUrls: [], stop: async () => {} };
  }
  return startNetwork(path, opts);
}
