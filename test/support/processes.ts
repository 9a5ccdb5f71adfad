/** Process helpers the test rooms share: is a PID alive, stop a child for good, poll until true. */
import type { ChildProcess } from 'node:child_process';

/** Whether a process with this PID exists (signal 0 checks without delivering anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops a child if it still runs: SIGTERM, then SIGKILL when it has not exited after `graceMs`.
 * Resolves once it has exited, so no test leaves a process behind.
 */
export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Polls every 100 ms until `check` holds or `ms` passes; resolves with the last answer. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}
