import {
  ActivityFailure,
  condition,
  defineSignal,
  log,
  patched,
  proxyActivities,
  setHandler,
} from "@temporalio/workflow";
import { decideJobEvent, jobEventStatus, type JobProgress } from "../domain/job-state.js";
import type { JobEventArgs } from "../domain/signal-args.js";
import { jobSignals } from "../domain/workflow-names.js";
import type { JobActivities } from "../activities/jobs.js";
import type { RunnerSideActivities } from "../activities/runner-side.js";
import type { UsageActivities, UsageResult } from "../activities/usage.js";

// One workflow per workflow_job.id, started by its first event (signal-with-start, no
// arguments). Events arrive late, twice and out of order: they are queued by the signal
// handler and applied one at a time through the pure rules in domain/job-state.ts.

/**
 * Marks runs that hold a deployment job's demand for GitHub's answer. Runs recorded
 * before that opened demand on the queued event itself, and replay as they ran.
 */
export const HOLD_DEPLOYMENT_DEMAND = "hold-deployment-demand";

export const jobEventSignal = defineSignal<[JobEventArgs]>(jobSignals.jobEvent);

const activities = proxyActivities<JobActivities & UsageActivities & RunnerSideActivities>({
  startToCloseTimeout: "30 seconds",
  retry: { initialInterval: "1 second", maximumInterval: "1 minute" },
});

// A check of the job on GitHub that keeps failing is given up until the next stale
// interval; the job's own events may still arrive, and the next check tries again.
const { checkJobOnGitHub } = proxyActivities<JobActivities>({
  startToCloseTimeout: "1 minute",
  retry: { initialInterval: "2 seconds", maximumAttempts: 3 },
});

export type JobWorkflowResult =
  | { outcome: "ignored"; reason: string }
  | { outcome: "completed"; usage: UsageResult; lateEvents: number }
  | { outcome: "already-completed"; usage: UsageResult };

/** An event to apply; `current` when read from GitHub's API rather than delivered. */
interface Observed {
  event: JobEventArgs;
  current: boolean;
}

export async function jobWorkflow(): Promise<JobWorkflowResult> {
  const inbox: Observed[] = [];
  setHandler(jobEventSignal, (event) => {
    inbox.push({ event, current: false });
  });
  await condition(() => inbox.length > 0);
  const first = inbox[0]?.event;
  if (first === undefined) throw new Error("job workflow woke without an event");

  const settings = await activities.getJobSettings();
  const resolution = await activities.resolveJob(first);
  if (resolution.kind === "ignored") return { outcome: "ignored", reason: resolution.reason };
  const { runnerId, workspaceId } = resolution;
  if (resolution.storedStatus === "completed") {
    // A duplicate after an earlier run ended: the ledger's unique key makes this a no-op
    // unless that run never got to bill.
    return { outcome: "already-completed", usage: await activities.recordUsage(first.id) };
  }

  let progress: JobProgress = { status: resolution.storedStatus, demandSent: [] };
  const apply = async ({ event, current }: Observed): Promise<void> => {
    const decision = decideJobEvent(progress, {
      status: jobEventStatus(event),
      hasDeployment: event.hasDeployment && patched(HOLD_DEPLOYMENT_DEMAND),
      current,
    });
    if (decision.record) await activities.recordJobEvent({ event, runnerId, workspaceId });
    if (decision.demand !== null) {
      await activities.signalJobDemand({
        installationId: event.installationId,
        jobId: event.id,
        labels: event.labels,
        kind: decision.demand,
      });
    }
    progress = decision.next;
    if (decision.check) {
      // Held demand: GitHub's current status says whether the job awaits an approval.
      // If GitHub cannot be asked now, the demand stays held until the stale check.
      const fresh = await checkOnGitHub(event);
      if (fresh !== null) await apply({ event: fresh, current: true });
    }
  };

  while (progress.status !== "completed") {
    const next = inbox.shift();
    if (next !== undefined) {
      await apply(next);
      continue;
    }
    // Any unfinished state is re-checked against GitHub when events stop coming:
    // GitHub never retries a failed delivery, and a lost `completed` would leave the
    // job unbilled and this workflow open forever.
    const arrived = await condition(() => inbox.length > 0, settings.staleAfterMs);
    if (!arrived) {
      const fresh = await checkOnGitHub(first);
      if (fresh !== null) inbox.push({ event: fresh, current: true });
    }
  }

  const usage = await activities.recordUsage(first.id);
  // Absorb late duplicates here rather than let each start a new run of this id.
  let lateEvents = 0;
  while (await condition(() => inbox.length > 0, settings.completedGraceMs)) {
    lateEvents += inbox.splice(0).length;
  }
  return { outcome: "completed", usage, lateEvents };
}

async function checkOnGitHub(event: JobEventArgs): Promise<JobEventArgs | null> {
  try {
    return await checkJobOnGitHub(event);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn("checking the job on GitHub failed; trying again later", {
      jobId: event.id,
      error: error.message,
    });
    return null;
  }
}
