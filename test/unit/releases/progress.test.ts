/** The upload's progress as a maintainer sees it: a bar on a terminal, a line per tenth in a log. */
import { progressReporter, type ProgressOutput } from '../../../scripts/releases/progress';

const MiB = 1024 * 1024;

function output(isTTY: boolean): ProgressOutput & { text: string } {
  const out = { isTTY, columns: 120, text: '', write: (chunk: string) => (out.text += chunk) };
  return out;
}

describe('progressReporter', () => {
  it('redraws one bar in place on a terminal, at most every 100 ms, always at 100 %, and ends its line', () => {
    // Prepare
    let now = 0;
    const tty = output(true);
    const progress = progressReporter(tty, () => now);

    // Act
    now = 1000;
    progress.update(50 * MiB, 200 * MiB);
    now = 1050;
    progress.update(60 * MiB, 200 * MiB); // within 100 ms: not drawn
    now = 2000;
    progress.update(200 * MiB, 200 * MiB);
    progress.done();

    // Assess
    const frames = tty.text.split('\r').filter(Boolean);
    expect(frames).toEqual([
      `[${'#'.repeat(8)}${'.'.repeat(22)}]  25%  50.0/200.0 MiB  50.0 MiB/s`,
      `[${'#'.repeat(30)}] 100%  200.0/200.0 MiB  100.0 MiB/s\n`,
    ]);
  });

  it('writes a plain line per tenth when the output is not a terminal', () => {
    // Prepare
    let now = 0;
    const log = output(false);
    const progress = progressReporter(log, () => now);

    // Act
    for (let mib = 8; mib <= 40; mib += 8) {
      now += 500;
      progress.update(mib * MiB, 40 * MiB);
    }
    progress.done();

    // Assess
    expect(log.text.split('\n').filter(Boolean)).toEqual([
      'uploaded 20% (8.0 of 40.0 MiB, 16.0 MiB/s)',
      'uploaded 40% (16.0 of 40.0 MiB, 16.0 MiB/s)',
      'uploaded 60% (24.0 of 40.0 MiB, 16.0 MiB/s)',
      'uploaded 80% (32.0 of 40.0 MiB, 16.0 MiB/s)',
      'uploaded 100% (40.0 of 40.0 MiB, 16.0 MiB/s)',
    ]);
    expect(log.text).not.toContain('\r');
  });
});
