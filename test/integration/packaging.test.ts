import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../scripts/local/service-config';
import { apiUrl } from './local';

// `npm test` beside a running `npm start`: packaging (`sls package`, the template tests, `npm run deploy`) must leave
// the build that serverless-offline serves the functions from — `.esbuild/offline/<its port>/.build` — in place.
const OFFLINE_BUILD = path.join(ROOT, '.esbuild', 'offline', String(process.env.LOCAL_API_BACKEND_PORT), '.build', 'functions');
const PACKAGE_DIR = path.join('.local', `test-packaging-${process.env.LOCAL_PORT_OFFSET ?? '0'}`);
/** Not a measure: a guard so a packaging that hangs fails the test instead of the run. Measured here: 60–75 s. */
const PACKAGE_LIMIT_MS = 240_000;

function slsPackage(): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    AWS_ACCESS_KEY_ID: 'packaging-test',
    AWS_SECRET_ACCESS_KEY: 'packaging-test',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const sls = require.resolve('osls/bin/serverless.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sls, 'package', '--stage', 'dev', '--package', PACKAGE_DIR], {
      cwd: ROOT,
      env,
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      output += `\n(killed after ${PACKAGE_LIMIT_MS / 1000} s)`;
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    }, PACKAGE_LIMIT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const subscribe = (body: unknown) =>
  fetch(`${apiUrl}/subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('sls package beside the running stack', () => {
  afterAll(() => rmSync(path.join(ROOT, PACKAGE_DIR), { recursive: true, force: true }));

  it(
    'packages the dev stage while the local API keeps answering from its own build',
    async () => {
      // Arrange: the running stack's subscribe function answers a bad address with its own 400.
      const before = await subscribe({ email: 'not-an-address' });
      expect(before.status).toBe(400);
      const served = readdirSync(OFFLINE_BUILD).sort();

      // Act
      const { code, output } = await slsPackage();

      // Assert: the package was made, and the stack still serves every function it served.
      expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
      expect(existsSync(path.join(ROOT, PACKAGE_DIR, 'subscribe.zip'))).toBe(true);
      expect(readdirSync(OFFLINE_BUILD).sort()).toEqual(served);
      for (const fn of served) expect(existsSync(path.join(OFFLINE_BUILD, fn, 'handler.js'))).toBe(true);
      const after = await subscribe({ email: 'not-an-address' });
      expect(after.status).toBe(400);
      expect(await after.json()).toEqual({ error: { code: 'invalid_email', message: 'email is not a valid address' } });
      const health = await fetch(`${apiUrl}/health`);
      expect(health.status).toBe(200);
    },
    PACKAGE_LIMIT_MS + 30_000,
  );
});
