/** Finding installed packages from this module, the way Node's resolver walks node_modules folders. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * The folder of an installed package, or null. Reads node_modules/<name> directly instead of
 * require.resolve because several packages' `exports` maps hide their package.json and dist files.
 */
export function packageDir(name: string, from = HERE): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** The folder this module lives in (src/report). */
export const REPORT_DIR = HERE;
