import path from 'node:path';
import { startLocalStack } from '../../scripts/local/stack';
import { ROOT } from '../../scripts/local/service-config';

/**
 * Port offset of the stack the integration tests start, so a developer's `npm start` (offset 0) can keep running.
 * LOCAL_TEST_PORT_OFFSET moves it, e.g. to run two checkouts' tests side by side.
 */
export const TEST_PORT_OFFSET = Number(process.env.LOCAL_TEST_PORT_OFFSET ?? 100);

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const stack = await startLocalStack({
    portOffset: TEST_PORT_OFFSET,
    stateDir: path.join(ROOT, '.local', `test-${TEST_PORT_OFFSET}`),
    fresh: true,
  });
  // The test files read the stack's endpoints from the standard variables, like the functions do.
  Object.assign(process.env, stack.env, { LOCAL_PORT_OFFSET: String(TEST_PORT_OFFSET) });
  (globalThis as { __LOCAL_STACK__?: typeof stack }).__LOCAL_STACK__ = stack;
  console.log(`\nlocal stack for integration tests ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
