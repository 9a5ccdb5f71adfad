/** The error a worker reports when a workload's init step throws: it names the module and the step. */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** ledgerbench's own folder (src/ or dist/): its frames, and Node's, say nothing about the user's code. */
const OWN_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const isOwnFrame = (line: string) => line.includes(OWN_ROOT) || line.includes('node:internal');
const MAX_FRAMES = 6;

/** `workload <module>: <step> threw: <message>`, with the workload's own stack frames kept. */
export class WorkloadInitError extends Error {
  /** The thrown error's stack frames outside ledgerbench, the workload's own first. */
  readonly frames: string[];

  constructor(modulePath: string, step: string, cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(`workload ${modulePath}: ${step} threw: ${message}`, { cause });
    this.name = 'WorkloadInitError';
    const stack = cause instanceof Error ? (cause.stack ?? '') : '';
    this.frames = stack
      .split('\n')
      .filter((line) => /^\s+at /.test(line) && !isOwnFrame(line))
      .slice(0, MAX_FRAMES)
      .map((line) => line.trim());
  }

  /** The message with the frames under it, as the user should see it. */
  describe(): string {
    return this.frames.length ? `${this.message}\n    ${this.frames.join('\n    ')}` : this.message;
  }
}
