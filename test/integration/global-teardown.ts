import type { LocalStack } from '../../scripts/local/stack';

export default async function globalTeardown(): Promise<void> {
  const stack = (globalThis as { __LOCAL_STACK__?: LocalStack }).__LOCAL_STACK__;
  await stack?.stop();
}
