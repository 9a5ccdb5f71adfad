import { fileURLToPath } from 'node:url';

/**
 * The file of a module next to `base` (an `import.meta.url`), as this build names it: `.ts` when
 * running from the sources (Vitest, tsx), `.js` when running from the compiled `dist/` of a published
 * package. Used for the entry points ledgerbench starts as processes or hands to Vitest.
 */
export function siblingModule(base: string, name: string): string {
  return fileURLToPath(new URL(`${name}${runningFromSources(base) ? '.ts' : '.js'}`, base));
}

/** Whether the module at `base` (an `import.meta.url`) runs from the TypeScript sources, not from dist/. */
export function runningFromSources(base: string): boolean {
  return base.endsWith('.ts');
}
