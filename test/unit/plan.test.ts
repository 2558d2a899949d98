/**
 * `npm run plan` (scripts/plan.ts) refuses bad input in a sentence, with the rules of the admin route
 * (functions/plan/plan.ts), before it looks for any table.
 */
import { runScript } from '../support/scripts';

const plan = (...args: string[]) => runScript('scripts/plan.ts', ...args);

describe('npm run plan', () => {
  it.each([
    [['--plan', 'gold'], 'plan must be one of free, premium'],
    [['--plan', 'premium', '--until', '2000-01-01'], 'premiumUntil must be in the future'],
  ])('refuses %p with the rule it broke and exit code 1, no stack', async (args, message) => {
    // Act
    const run = await plan('--stage', 'local', '--email', 'reader@example.com', ...args);

    // Assess
    expect(run).toEqual({ code: 1, stdout: '', stderr: `${message}\n` });
  });

  it('prints the usage when an argument is missing', async () => {
    const run = await plan('--stage', 'local');

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^Usage: npm run plan -- --stage <stage> --email <email> --plan <free\|premium>/);
  });
});
