import { continueAsNew, defineQuery, proxyActivities, setHandler } from "@temporalio/workflow";
import type {
  TenancyConvergenceActivities,
  TenancyConvergenceReport,
} from "../activities/tenancy-convergence.js";
import { runRounds, type RoundsStatus } from "./periodic.js";

// Keeps every workspace's namespace, quota, policies and pull Secrets converged
// (activities/tenancy-convergence.ts): one long-lived workflow under a fixed id, a
// round every few minutes, well inside the 12 hours an ECR login lasts.

const { convergeWorkspaces } = proxyActivities<TenancyConvergenceActivities>({
  startToCloseTimeout: "15 minutes",
  heartbeatTimeout: "1 minute",
  retry: { initialInterval: "5 seconds", maximumInterval: "1 minute", maximumAttempts: 3 },
});

export interface TenancyConvergenceWorkflowArgs {
  /** Minutes between rounds; fractions are allowed (tests). */
  intervalMinutes?: number;
  /** Rounds before continuing as new, bounding the history. */
  roundsPerRun?: number;
}

export type TenancyConvergenceStatus = RoundsStatus<TenancyConvergenceReport>;

export const tenancyConvergenceStatusQuery = defineQuery<TenancyConvergenceStatus>(
  "tenancyConvergenceStatus",
);

export async function tenancyConvergenceWorkflow(
  args: TenancyConvergenceWorkflowArgs = {},
): Promise<never> {
  const status: TenancyConvergenceStatus = { rounds: 0, last: null, failedRounds: 0 };
  setHandler(tenancyConvergenceStatusQuery, () => status);
  await runRounds(() => convergeWorkspaces(), {
    intervalMs: Math.max(1, (args.intervalMinutes ?? 10) * 60_000),
    rounds: args.roundsPerRun ?? 100,
    status,
  });
  return continueAsNew<typeof tenancyConvergenceWorkflow>(args);
}
