/**
 * Waiting in the integration tests for what the local stack does asynchronously (a stream, a queue, a topic): the
 * probe is asked every 250 ms until it has an answer, or the wait fails with what it waited for.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** `eventually` for a yes/no probe: resolves once it says yes. */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await eventually(what, async () => ((await probe()) ? true : undefined), timeoutMs);
}
