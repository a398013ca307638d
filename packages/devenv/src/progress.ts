/** Progress lines for slow steps, on stderr so stdout stays machine-readable. */
export function step(message: string): () => void {
  const started = Date.now();
  process.stderr.write(`[hangar] ${message}…\n`);
  return () => {
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stderr.write(`[hangar] ${message}: done in ${seconds}s\n`);
  };
}

export function note(message: string): void {
  process.stderr.write(`[hangar] ${message}\n`);
}

/** Runs a slow async step with a start line, a heartbeat every 30 s and a finish line. */
export async function timed<T>(message: string, work: () => Promise<T>): Promise<T> {
  const done = step(message);
  const started = Date.now();
  const heartbeat = setInterval(() => {
    note(`${message}: still working (${Math.round((Date.now() - started) / 1000)}s)`);
  }, 30_000);
  try {
    const result = await work();
    done();
    return result;
  } finally {
    clearInterval(heartbeat);
  }
}
