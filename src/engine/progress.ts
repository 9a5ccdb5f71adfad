/** The live progress line of a running round. */

/** Figures shown while a round runs. */
export interface RoundProgress {
  label: string;
  sent: number;
  completed: number;
  succeeded: number;
  failed: number;
  /** Completions in the last whole second. */
  currentTps: number;
  elapsedSec: number;
  /** Expected length when known (txDuration rounds, or txNumber at a fixed rate). */
  expectedSec?: number;
  /** txNumber rounds: the total to send. */
  total?: number;
}

/** Formats one progress line, e.g. `transfer  sent 1,200/5,000  done 1,180 (3 failed)  412 tps  3s / 12s`. */
function formatProgress(p: RoundProgress): string {
  const n = (v: number) => Math.round(v).toLocaleString('en-US');
  const sent = p.total !== undefined ? `${n(p.sent)}/${n(p.total)}` : n(p.sent);
  const failed = p.failed > 0 ? ` (${n(p.failed)} failed)` : '';
  const expected = p.expectedSec !== undefined ? ` / ${Math.round(p.expectedSec)}s` : '';
  return `${p.label}  sent ${sent}  done ${n(p.completed)}${failed}  ${n(p.currentTps)} tps  ${Math.floor(p.elapsedSec)}s${expected}`;
}

/**
 * A progress sink for a stream: on a terminal the line is redrawn in place every update; elsewhere
 * (CI logs) a line is written every `everySec` seconds so logs stay short but show the run is alive.
 */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr, everySec = 5): { update(p: RoundProgress): void; done(): void } {
  const tty = Boolean(stream.isTTY);
  // The first line comes after `everySec`: earlier there is nothing to say yet (stats arrive each second).
  let lastLine = 0;
  let drawn = false;
  return {
    update(p) {
      if (tty) {
        stream.write(`\r\x1b[2K${formatProgress(p)}`);
        drawn = true;
      } else if (p.elapsedSec - lastLine >= everySec) {
        lastLine = p.elapsedSec;
        stream.write(`${formatProgress(p)}\n`);
      }
    },
    done() {
      if (tty && drawn) stream.write('\r\x1b[2K');
    },
  };
}
