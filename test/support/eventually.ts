/**
 * Retries `probe` until it stops throwing, then returns its value. For conditions with no
 * event to subscribe to (a process becoming reachable, a row reaching a status): the test
 * waits exactly as long as the system needs, bounded by `timeoutMs`.
 */
export async function eventually<T>(
  probe: () => Promise<T> | T,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}
