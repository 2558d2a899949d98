import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { LocalStack } from '../../scripts/local/stack';

export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as { __LOCAL_STACK__?: LocalStack }).__LOCAL_STACK__;
  await stack?.stop();
  // A test that replaced an emulator (welcome.test.ts restarts SES after an outage) leaves the new one serving the
  // files after it; every emulator leaves `<name>.pid` beside its log, so none outlives the run.
  if (!stack) return;
  for (const file of readdirSync(stack.logDir).filter((name) => name.endsWith('.pid'))) {
    const pid = Number(readFileSync(path.join(stack.logDir, file), 'utf8'));
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
