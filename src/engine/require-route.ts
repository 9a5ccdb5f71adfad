/**
 * One way into CommonJS resolution for the aliases a worker installs (caliper-core, ledgerbench):
 * Node has no public hook for `require` on Node 20, so each alias wraps Module._resolveFilename
 * through here instead of patching it its own way.
 */
import Module from 'node:module';

type Resolve = (request: string, parent: unknown, ...rest: unknown[]) => string;
const internals = Module as unknown as { _resolveFilename: Resolve };

/**
 * Routes every `require(request)` of this process through `route`, which returns the file (or cache
 * key) to load; `resolveAsNode()` resolves the request the way Node would have.
 */
export function routeRequire(route: (request: string, resolveAsNode: () => string) => string): void {
  const resolve = internals._resolveFilename;
  internals._resolveFilename = function (this: unknown, request, parent, ...rest) {
    return route(request, () => resolve.call(this, request, parent, ...rest));
  };
}
