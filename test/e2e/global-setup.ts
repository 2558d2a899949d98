import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from '../../scripts/local/service-config';
import integrationSetup from '../integration/global-setup';
import { ensureLocalReleaseKey } from '../support/release-keys';
import { assertChromium } from './browser';

/** The integration tests' stack (same port offset, fresh state), with the site published as `npm start` does. */
export default async function globalSetup(): Promise<void> {
  assertChromium(); // before spending seconds on the stack
  await integrationSetup();
  // Before the publish: its config.json carries the public half, and the Downloads test signs with the private one.
  ensureLocalReleaseKey();
  const started = Date.now();
  await promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), 'scripts/publish-site.ts', '--stage', 'local'], {
    cwd: ROOT,
    env: process.env,
    timeout: 180_000,
  });
  console.log(`site built and published in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
