import {
  continueAsNew,
  defineQuery,
  proxyActivities,
  setHandler,
  sleep,
} from "@temporalio/workflow";
import type {
  RunnerSweepActivities,
  RunnerSweepOptions,
  RunnerSweepReport,
} from "../activities/runner-sweep.js";

// The runner sweep: one long-lived workflow under a fixed id, like the redelivery
// reconciler. Every few minutes it removes what the pool and instance workflows could
// not: pods without a runner, runners without an instance, instances whose workflow
// is gone or stuck (activities/runner-sweep.ts, rules in domain/runner-sweep.ts).

const { sweepRunners } = proxyActivities<RunnerSweepActivities>({
  // Listing every scope's runners can take a while; the activity heartbeats meanwhile.
  startToCloseTimeout: "10 minutes",
  heartbeatTimeout: "1 minute",
  retry: { initialInterval: "5 seconds", maximumInterval: "1 minute", maximumAttempts: 3 },
});

export interface RunnerSweepWorkflowArgs {
  /** Minutes between rounds; fractions are allowed (tests). */
  intervalMinutes?: number;
  /** Rounds before continuing as new, bounding the history. */
  roundsPerRun?: number;
  sweep?: RunnerSweepOptions;
}

export interface RunnerSweepStatus {
  rounds: number;
  last: RunnerSweepReport | null;
  /** Rounds whose activity failed past its retries (this run). */
  failedRounds: number;
}

export const runnerSweepStatusQuery = defineQuery<RunnerSweepStatus>("runnerSweepStatus");

export async function runnerSweepWorkflow(args: RunnerSweepWorkflowArgs = {}): Promise<never> {
  const intervalMs = Math.max(1, (args.intervalMinutes ?? 5) * 60_000);
  const roundsPerRun = args.roundsPerRun ?? 100;
  const status: RunnerSweepStatus = { rounds: 0, last: null, failedRounds: 0 };
  setHandler(runnerSweepStatusQuery, () => status);

  while (status.rounds < roundsPerRun) {
    try {
      status.last = await sweepRunners(args.sweep ?? {});
    } catch {
      // The cluster, GitHub or PostgreSQL unavailable past the retries: every round
      // reads the world afresh, so the next one loses nothing by this one failing.
      status.failedRounds += 1;
    }
    status.rounds += 1;
    await sleep(intervalMs);
  }
  return continueAsNew<typeof runnerSweepWorkflow>(args);
}
