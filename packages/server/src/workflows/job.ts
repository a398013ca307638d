import {
  ActivityFailure,
  condition,
  defineSignal,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
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

/**
 * Marks runs that take the steps between a job's first event and its demand (settings,
 * resolution, record, demand) as local activities, run by the worker inside the workflow
 * task instead of each a trip through Temporal, and that send queued demand alongside the
 * record rather than after it. Runs recorded before that replay as they ran.
 */
export const LOCAL_JOB_STEPS = "local-job-steps";

const activities = proxyActivities<JobActivities & UsageActivities & RunnerSideActivities>({
  startToCloseTimeout: "30 seconds",
  retry: { initialInterval: "1 second", maximumInterval: "1 minute" },
});

// The same short PostgreSQL and signal steps, run in the worker holding the workflow task.
// A worker that dies meanwhile loses the task, and the next one runs them again: each is
// idempotent (keyed by the job id, guarded by the forward-only rank).
const local = proxyLocalActivities<JobActivities & RunnerSideActivities>({
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

  const fast = patched(LOCAL_JOB_STEPS);
  const steps = fast ? local : activities;
  const [settings, resolution] = fast
    ? await Promise.all([local.getJobSettings(), local.resolveJob(first)])
    : [await activities.getJobSettings(), await activities.resolveJob(first)];
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
    const record = () => steps.recordJobEvent({ event, runnerId, workspaceId });
    // Once the pool has heard the job started, it has left the pool's queue: finished
    // would tell it nothing, and every signal to the one pool workflow is a wait in a burst.
    const demand =
      fast && decision.demand === "finished" && progress.demandSent.includes("started")
        ? null
        : decision.demand;
    if (fast && demand === "queued") {
      // Queued demand needs nothing from the row (the pool is the resolved one), so it
      // goes out with the record: a worker lost between the two runs both again, and
      // the pool keys demand by job id.
      const queued = { installationId: event.installationId, jobId: event.id };
      await Promise.all([
        decision.record ? record() : Promise.resolve(false),
        local.signalJobDemand({ ...queued, labels: event.labels, kind: demand, runnerId }),
      ]);
    } else {
      if (decision.record) await record();
      if (demand !== null) {
        // Started and finished demand read the row just written (which runner took it).
        await steps.signalJobDemand({
          installationId: event.installationId,
          jobId: event.id,
          labels: event.labels,
          kind: demand,
        });
      }
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
