import { execFileSync } from 'node:child_process';
import path from 'node:path';

const GUARD = path.resolve(__dirname, '../../../../scripts/local/lambda/offline-guard.cjs');

/** Runs `script` in a fresh Node process, with or without the guard preloaded as serverless-offline gets it. */
const run = (script: string, preload: boolean): string =>
  execFileSync(process.execPath, [...(preload ? ['--require', GUARD] : []), '--input-type=module', '-e', script], {
    cwd: path.resolve(__dirname, '../../../..'),
    encoding: 'utf8',
  }).trim();

describe("serverless-offline's own scheduler, under the guard", () => {
  // What serverless-offline's Schedule does for a `schedule` event: an ESM default import, scheduleJob at start.
  const script = `import nodeSchedule from 'node-schedule';
    const job = nodeSchedule.scheduleJob('*/1 * * * *', () => {});
    console.log(job === null ? 'none' : 'scheduled');
    nodeSchedule.gracefulShutdown();`;

  it('schedules nothing: the stack runs schedules as EventBridge does (scripts/local/schedules), once', () => {
    expect(run(script, true)).toBe('none');
  });

  it('would schedule without it (the test can fail)', () => {
    expect(run(script, false)).toBe('scheduled');
  });
});
