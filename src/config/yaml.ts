import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { ConfigError } from './errors.ts';

/**
 * Reads and parses a YAML (or JSON) file. Syntax errors come back as ConfigError with the line and
 * column, so the user can jump straight to the spot.
 */
export function readYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, '(file)', `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'check the path; relative paths resolve against the current folder');
  }
  try {
    return load(text, { filename: file });
  } catch (err) {
    const e = err as { mark?: { line: number; column: number }; reason?: string; message: string };
    const where = e.mark ? `line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '(syntax)';
    throw new ConfigError(file, where, `YAML syntax error: ${e.reason ?? e.message}`, 'fix the YAML at that position (indentation and `key: value` pairs are the usual culprits)');
  }
}
