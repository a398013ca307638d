import type { JobView } from "../control/types.js";

export interface JobsSummary {
  total: number;
  completed: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Other conclusions GitHub gives: skipped (a needed job failed), timed out, … */
  other: number;
  /** Created → started, as the simulator saw it; null before any job has started. */
  queueMs: { p50: number; p90: number } | null;
}

/** How the given jobs stand, counted from the simulator's job records. */
export function summarizeJobs(jobs: readonly JobView[]): JobsSummary {
  const summary: JobsSummary = {
    total: jobs.length,
    completed: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    other: 0,
    queueMs: null,
  };
  const queueTimes: number[] = [];
  for (const job of jobs) {
    if (job.startedAt !== null) {
      queueTimes.push(Date.parse(job.startedAt) - Date.parse(job.createdAt));
    }
    if (job.status !== "completed") continue;
    summary.completed += 1;
    switch (job.conclusion) {
      case "success":
        summary.succeeded += 1;
        break;
      case "failure":
        summary.failed += 1;
        break;
      case "cancelled":
        summary.cancelled += 1;
        break;
      case "skipped":
      case "timed_out":
      case "action_required":
      case "neutral":
      case null:
        summary.other += 1;
        break;
      default: {
        const unknown: never = job.conclusion;
        throw new Error(`unknown conclusion ${String(unknown)}`);
      }
    }
  }
  if (queueTimes.length > 0) {
    queueTimes.sort((a, b) => a - b);
    summary.queueMs = { p50: percentile(queueTimes, 0.5), p90: percentile(queueTimes, 0.9) };
  }
  return summary;
}

/** Nearest-rank percentile of sorted values: always one of the values seen. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("no values");
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? 0;
}
