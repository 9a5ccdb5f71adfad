/**
 * A/B mode's mapping between two checkouts: a file of this checkout (A) is the file at the same place
 * relative to the root in the other one (B). The root is the folder Vitest runs in, the one the
 * fingerprints' paths are relative to, so a fingerprint of B's round reads like A's.
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

/** The environment variable naming the other checkout (the plugin option `ab` does the same). */
export const AB_ENV = 'LEDGERBENCH_AB';

/** Checks the other checkout's root; an Error names where it came from and the fix. */
export function checkAbRoot(root: string, source: string): string {
  const abs = resolve(root);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new Error(`${source}=${root}: no such folder; fix: point it at the other checkout's root (e.g. a \`git worktree add ../main main\`), the folder that corresponds to ${process.cwd()}`);
  }
  return abs;
}

/**
 * The file in checkout `otherRoot` that corresponds to `file` of this checkout (rooted at `root`).
 * A file outside this checkout (an absolute path elsewhere) is the same file for both sides.
 */
export function inOtherCheckout(file: string, otherRoot: string, root = process.cwd()): string {
  const rel = relative(root, resolve(root, file));
  if (rel.startsWith('..') || isAbsolute(rel)) return resolve(root, file);
  return resolve(otherRoot, rel);
}

/** inOtherCheckout(), with an Error naming what is missing when the other checkout lacks the file. */
export function otherCheckoutFile(file: string, otherRoot: string, what: string, root = process.cwd()): string {
  const other = inOtherCheckout(file, otherRoot, root);
  if (!existsSync(other)) {
    throw new Error(`A/B mode (${AB_ENV}=${otherRoot}): the other checkout has no ${what} at ${relative(root, resolve(root, file)) || file} (looked for ${other}); fix: compare checkouts of the same project, or run without ${AB_ENV}`);
  }
  return other;
}
