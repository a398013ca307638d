import { continueAsNew, defineQuery, proxyActivities, setHandler } from "@temporalio/workflow";
import type {
  RunnerSweepActivities,
  RunnerSweepOptions,
  RunnerSweepReport,
} from "../activities/runner-sweep.js";
import { runRounds, type RoundsStatus } from "./periodic.js";

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

export type RunnerSweepStatus = RoundsStatus<RunnerSweepReport>;

export const runnerSweepStatusQuery = defineQuery<RunnerSweepStatus>("runnerSweepStatus");

export async function runnerSweepWorkflow(args: RunnerSweepWorkflowArgs = {}): Promise<never> {
  const intervalMs = Math.max(1, (args.intervalMinutes ?? 5) * 60_000);
  const roundsPerRun = args.roundsPerRun ?? 100;
  const status: RunnerSweepStatus = { rounds: 0, last: null, failedRounds: 0 };
  setHandler(runnerSweepStatusQuery, () => status);

  await runRounds(() => sweepRunners(args.sweep ?? {}), {
    intervalMs,
    rounds: roundsPerRun,
    status,
  });
  return continueAsNew<typeof runnerSweepWorkflow>(args);
}
