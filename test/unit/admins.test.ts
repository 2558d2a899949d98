/** `npm run admins` (scripts/admins.ts) says how to call it before it looks for any user pool. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '../../scripts/local/service-config';

async function admins(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/admins.ts', ...args], {
      cwd: ROOT,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

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
