/**
 * The upload's progress: a bar redrawn in place on a terminal, and on anything else (CI logs, a pipe) one plain line
 * per tenth, so that a log stays readable and short.
 */

export interface ProgressOutput {
  isTTY?: boolean;
  /** Terminal width, when known. */
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressReporter {
  update(uploaded: number, total: number): void;
  /** Ends the bar's line (a terminal) so that what follows starts on a line of its own. */
  done(): void;
}

const MIB = 1024 * 1024;
/** A terminal is redrawn at most this often; the last update always is. */
const REDRAW_MS = 100;
const BAR_WIDTH = 30;

const mib = (bytes: number): string => (bytes / MIB).toFixed(1);

export function progressReporter(output: ProgressOutput, clock: () => number = Date.now): ProgressReporter {
  const started = clock();
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastTenth = 0;
  let drawn = false;

  const rate = (uploaded: number): string => {
    const seconds = (clock() - started) / 1000;
    return seconds > 0 ? `${mib(uploaded / seconds)} MiB/s` : '…';
  };

  return {
    update(uploaded, total) {
      const fraction = total > 0 ? Math.min(1, uploaded / total) : 1;
      const percent = Math.floor(fraction * 100);
      if (output.isTTY) {
        const now = clock();
        if (now - lastDraw < REDRAW_MS && fraction < 1) return;
        lastDraw = now;
        const filled = Math.round(fraction * BAR_WIDTH);
        const line = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(percent).padStart(3)}%  ${mib(uploaded)}/${mib(total)} MiB  ${rate(uploaded)}`;
        output.write(`\r${line.slice(0, (output.columns ?? 200) - 1)}`);
        drawn = true;
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (tenth <= lastTenth) return;
      lastTenth = tenth;
      output.write(`uploaded ${percent}% (${mib(uploaded)} of ${mib(total)} MiB, ${rate(uploaded)})\n`);
    },
    done() {
      if (drawn) output.write('\n');
      drawn = false;
    },
  };
}
