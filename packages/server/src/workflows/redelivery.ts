import {
  continueAsNew,
  defineQuery,
  proxyActivities,
  setHandler,
  sleep,
} from "@temporalio/workflow";
import type { RedeliveryActivities, RedeliveryCounts } from "../activities/redelivery.js";

// The redelivery reconciler: one long-lived workflow (started once, e.g. by a Temporal
// Schedule or at worker start, under a fixed id) that asks GitHub to redeliver failed
// webhook deliveries every few minutes. Platforms in production do the same, because
// GitHub never retries on its own and forgets deliveries after three days.

const { redeliverFailedDeliveries } = proxyActivities<RedeliveryActivities>({
  // Paging three days of deliveries can take a while at high volume.
  startToCloseTimeout: "5 minutes",
  retry: { initialInterval: "5 seconds", maximumInterval: "1 minute", maximumAttempts: 3 },
});

export interface RedeliveryWorkflowArgs {
  /** Minutes between rounds; fractions are allowed (tests). */
  intervalMinutes?: number;
  /** Rounds before continuing as new, bounding the history (about 10 events a round). */
  roundsPerRun?: number;
  /** Redeliveries per round. */
  max?: number;
}

export interface RedeliveryStatus {
  rounds: number;
  last: RedeliveryCounts | null;
  /** Redeliveries asked for since this run (not the whole chain) started. */
  redelivered: number;
}

export const redeliveryStatusQuery = defineQuery<RedeliveryStatus>("redeliveryStatus");

export async function redeliveryWorkflow(args: RedeliveryWorkflowArgs = {}): Promise<never> {
  const intervalMs = Math.max(1, (args.intervalMinutes ?? 5) * 60_000);
  const roundsPerRun = args.roundsPerRun ?? 100;
  const status: RedeliveryStatus = { rounds: 0, last: null, redelivered: 0 };
  setHandler(redeliveryStatusQuery, () => status);

  while (status.rounds < roundsPerRun) {
    try {
      status.last = await redeliverFailedDeliveries(
        args.max === undefined ? {} : { max: args.max },
      );
      status.redelivered += status.last.redelivered;
    } catch {
      // GitHub or PostgreSQL unavailable past the retries: the next round starts over
      // from GitHub's log, so nothing is lost by skipping this one.
    }
    status.rounds += 1;
    await sleep(intervalMs);
  }
  return continueAsNew<typeof redeliveryWorkflow>(args);
}
