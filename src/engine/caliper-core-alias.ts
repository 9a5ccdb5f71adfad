/**
 * Caliper 0.4+ workload modules start with `require('@hyperledger/caliper-core')` for
 * WorkloadModuleBase. Where the real package is not installed, that request resolves to ledgerbench's
 * own WorkloadModuleBase (and a CaliperUtils with getLogger), so caliper-benchmarks-style folders run
 * without editing the line. Where the user has the real caliper-core, Node finds it first and it is
 * used unchanged. CommonJS `require` only: Caliper's workloads are CommonJS.
 */
import Module from 'node:module';
import { routeRequire } from './require-route.ts';
import { WorkloadModuleBase } from './workload-api.ts';

const REQUEST = '@hyperledger/caliper-core';
/** A cache key that no real file has, so the alias never shadows one. */
const ALIAS_ID = '\0ledgerbench:@hyperledger/caliper-core';

const internals = Module as unknown as { _cache: Record<string, Module> };

let installed = false;

/** A Caliper-style logger: `getLogger(name).info(...)` writes one line to stderr, debug only with DEBUG set. */
function getLogger(name: string) {
  const line = (level: string) => (...parts: unknown[]) => process.stderr.write(`${new Date().toISOString()} ${level} [${name}] ${parts.map(String).join(' ')}\n`);
  const quiet = () => {};
  const debug = process.env.DEBUG ? line('debug') : quiet;
  return { error: line('error'), warn: line('warn'), info: line('info'), debug, verbose: debug };
}

/** Makes `require('@hyperledger/caliper-core')` fall back to ledgerbench's API in this process. Idempotent. */
export function installCaliperCoreAlias(): void {
  if (installed) return;
  installed = true;
  const alias = new Module(ALIAS_ID);
  alias.filename = ALIAS_ID;
  alias.exports = { WorkloadModuleBase, CaliperUtils: { getLogger } };
  alias.loaded = true;
  internals._cache[ALIAS_ID] = alias;
  routeRequire((request, resolveAsNode) => {
    try {
      return resolveAsNode();
    } catch (err) {
      if (request === REQUEST) return ALIAS_ID;
      throw err;
    }
  });
}
