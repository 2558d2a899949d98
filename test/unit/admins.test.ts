/** `npm run admins` (scripts/admins.ts) says how to call it before it looks for any user pool. */
import { runScript } from '../support/scripts';

const admins = (...args: string[]) => runScript('scripts/admins.ts', ...args);

describe('npm run admins', () => {
  it.each([[['--stage', 'local']], [['--email', 'reader@example.com']]])('refuses %p with the usage and exit code 1', async (args) => {
    const run = await admins(...args);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'Usage: npm run admins -- --stage <stage> --email <email> [--remove] [--region <r>]\n',
    });
  });

  it('prints the usage on --help', async () => {
    const run = await admins('--help');
    expect(run).toMatchObject({ code: 0, stdout: 'Usage: npm run admins -- --stage <stage> --email <email> [--remove] [--region <r>]\n' });
  });
});
