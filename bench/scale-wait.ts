import { setTimeout as sleep } from "node:timers/promises";

export class BenchTimeoutError extends Error {
  override name = "BenchTimeoutError";
}

/**
 * Looks until `check` returns a value. Only for deciding when to go on: what the
 * benchmark measures is timestamped by the events themselves (watch events, the
 * intake's answers), so how often this looks never shows in a sample.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) {
      throw new BenchTimeoutError(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
    }
    await sleep(options.intervalMs ?? 5);
  }
}
