import { fileURLToPath } from 'node:url';

/**
 * The file of a module next to `base` (an `import.meta.url`), as this build names it: `.ts` when
 * running from the sources (Vitest, tsx), `.js` when running from the compiled `dist/` of a published
 * package. Used for the entry points ledgerbench starts as processes or hands to Vitest.
 */
export function siblingModule(base: string, name: string): string {
  return fileURLToPath(new URL(`${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base));
}
