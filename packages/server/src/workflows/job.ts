import {
  ActivityFailure,
  condition,
  defineSignal,
  log,
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

export const jobEventSignal = defineSignal<[JobEventArgs]>(jobSignals.jobEvent);

const activities = proxyActivities<JobActivities & UsageActivities & RunnerSideActivities>({
  startToCloseTimeout: "30 seconds",
  retry: { initialInterval: "1 second", maximumInterval: "1 minute" },
});

// A stale check that keeps failing is given up until the next interval; the job's own
// events may still arrive, and the next check tries again.
const { checkJobOnGitHub } = proxyActivities<JobActivities>({
  startToCloseTimeout: "1 minute",
  retry: { initialInterval: "2 seconds", maximumAttempts: 3 },
});

export type JobWorkflowResult =
  | { outcome: "ignored"; reason: string }
  | { outcome: "completed"; usage: UsageResult; lateEvents: number }
  | { outcome: "already-completed"; usage: UsageResult };

export async function jobWorkflow(): Promise<JobWorkflowResult> {
  const inbox: JobEventArgs[] = [];
  setHandler(jobEventSignal, (event) => {
    inbox.push(event);
  });
  await condition(() => inbox.length > 0);
  const first = inbox[0];
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
  const apply = async (event: JobEventArgs): Promise<void> => {
    const decision = decideJobEvent(progress, jobEventStatus(event));
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
  };

  while (progress.status !== "completed") {
    const event = inbox.shift();
    if (event !== undefined) {
      await apply(event);
      continue;
    }
    // Any unfinished state is re-checked against GitHub when events stop coming:
    // GitHub never retries a failed delivery, and a lost `completed` would leave the
    // job unbilled and this workflow open forever.
    const arrived = await condition(() => inbox.length > 0, settings.staleAfterMs);
    if (!arrived) {
      const fresh = await checkStale(first);
      if (fresh !== null) inbox.push(fresh);
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

async function checkStale(event: JobEventArgs): Promise<JobEventArgs | null> {
  try {
    return await checkJobOnGitHub(event);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn("stale-job check failed; trying again later", {
      jobId: event.id,
      error: error.message,
    });
    return null;
  }
}
