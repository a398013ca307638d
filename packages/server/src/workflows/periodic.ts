import { sleep } from "@temporalio/workflow";

// The loop of a reconciler workflow: one activity call a round, a pause, and a bounded
// number of rounds per run so the caller can continue as new with a small history.
// A round whose activity fails past its retries is counted and skipped: reconcilers
// read the world afresh every round, so the next one loses nothing by it.

export interface RoundsStatus<T> {
  rounds: number;
  last: T | null;
  /** Rounds whose activity failed past its retries (this run). */
  failedRounds: number;
}

export async function runRounds<T>(
  round: () => Promise<T>,
  options: { intervalMs: number; rounds: number; status: RoundsStatus<T> },
): Promise<void> {
  const { status } = options;
  while (status.rounds < options.rounds) {
    try {
      status.last = await round();
    } catch {
      status.failedRounds += 1;
    }
    status.rounds += 1;
    await sleep(options.intervalMs);
  }
}
