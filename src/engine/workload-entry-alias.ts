/**
 * In a worker process, `ledgerbench` means the workload API alone (src/workload.ts): a workload
 * imports `defineWorkload` from 'ledgerbench', and the full entry would load Vitest and the reporters
 * into every worker (about 40 MiB of memory and part of a second of start-up each) for nothing.
 * Both ways of loading are routed: ES `import` through a module resolve hook, CommonJS `require`
 * through the resolver.
 *
 * Where Node has in-thread hooks (`registerHooks`, Node 22.15+), tsx resolves through them, and an
 * off-thread `register()` hook never sees the specifier: there the route is an in-thread hook too.
 */
import * as nodeModule from 'node:module';
import { pathToFileURL } from 'node:url';
import { siblingModule } from '../module-path.ts';
import { routeRequire } from './require-route.ts';

const ENTRY = siblingModule(import.meta.url, '../workload');

type ResolveHook = (specifier: string, context: unknown, next: (specifier: string, context: unknown) => unknown) => unknown;
/** `registerHooks` where this Node has it (absent from Node 20's types). */
const registerHooks = (nodeModule as unknown as { registerHooks?: (hooks: { resolve: ResolveHook }) => unknown }).registerHooks;

/** The resolve hook, as a module of its own (hooks run on a loader thread). */
function hookSource(url: string): string {
  return `export async function resolve(specifier, context, next) {
  // Handed on, not short-circuited: the next resolver (tsx's, from the sources) marks .ts for loading.
  return next(specifier === 'ledgerbench' ? ${JSON.stringify(url)} : specifier, context);
}`;
}

let installed = false;

/** Routes `ledgerbench` to the workload API in this process. Idempotent. */
export function routeLedgerbenchToWorkloadApi(): void {
  if (installed) return;
  installed = true;
  const url = pathToFileURL(ENTRY).href;
  if (registerHooks) {
    registerHooks({ resolve: (specifier, context, next) => next(specifier === 'ledgerbench' ? url : specifier, context) });
  } else {
    nodeModule.register(`data:text/javascript,${encodeURIComponent(hookSource(url))}`);
  }
  routeRequire((request, resolveAsNode) => (request === 'ledgerbench' ? ENTRY : resolveAsNode()));
}
