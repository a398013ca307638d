import { isoAt } from "../clock.js";
import { GitHubHttpError } from "../http-error.js";
import type { SimContext } from "./context.js";
import { releaseJobs } from "./jobs.js";
import type { JobRecord, RunRecord } from "./records.js";

// Re-running one job of a completed run, as GitHub does: a new attempt of the same run
// in which the job and every job that (transitively) needs it run again, with new job
// ids; the other jobs are carried into the new attempt with their results and send no
// events. The new attempt is announced with `workflow_run.requested` (run_attempt n+1,
// previous_attempt_url set), then `workflow_job.queued` for each job that can start.

/** GitHub: "A workflow run can be re-run a maximum of 50 times." */
export const MAX_RERUNS = 50;

/** GitHub's answer while any job of the run is unfinished. */
export const RUN_NOT_COMPLETED = "This workflow is already running";

const forbidden = (message: string) => new GitHubHttpError(403, message);

/** Plan indices of the job and of every job that needs it, directly or not. */
function rerunSet(run: RunRecord, index: number): Set<number> {
  const names = new Set<string>();
  const chosen = new Set<number>([index]);
  names.add(run.plan[index]?.name ?? "");
  for (let changed = true; changed;) {
    changed = false;
    run.plan.forEach((spec, i) => {
      if (chosen.has(i) || !spec.needs.some((need) => names.has(need))) return;
      chosen.add(i);
      names.add(spec.name);
      changed = true;
    });
  }
  return chosen;
}

/** The job carried into the new attempt as it ended, under a new id. */
function carry(ctx: SimContext, run: RunRecord, index: number, job: JobRecord): void {
  const copy: JobRecord = {
    ...job,
    id: ctx.state.nextId("job"),
    runAttempt: run.runAttempt,
    labels: [...job.labels],
    steps: job.steps.map((step) => ({ ...step })),
    assignedRunnerId: null,
    assignedAtMs: null,
  };
  ctx.state.jobs.set(copy.id, copy);
  run.attemptJobs[index] = copy.id;
  run.jobIds.push(copy.id);
}

/**
 * `POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun`. Refused with 403 while the
 * run has unfinished jobs, for a job of an attempt that is no longer the latest, and
 * once the run has been re-run the most times GitHub allows.
 */
export function rerunJob(ctx: SimContext, job: JobRecord): RunRecord {
  const run = ctx.state.runs.get(job.runId);
  if (!run) throw new GitHubHttpError(404, "Not Found");
  if (run.status !== "completed") throw forbidden(RUN_NOT_COMPLETED);
  if (job.runAttempt !== run.runAttempt) {
    throw forbidden("Only jobs of the latest attempt of a workflow run can be re-run");
  }
  if (run.runAttempt > MAX_RERUNS) {
    throw forbidden(`This workflow run has been re-run the maximum of ${MAX_RERUNS} times`);
  }
  const index = run.attemptJobs.indexOf(job.id);
  if (index < 0) throw new GitHubHttpError(404, "Not Found");
  const again = rerunSet(run, index);
  const earlier = run.attemptJobs.map((id) => (id === null ? undefined : ctx.state.jobs.get(id)));

  const now = isoAt(ctx.clock.now());
  run.previousJobIds.push(...run.jobIds);
  run.runAttempt += 1;
  run.status = "queued";
  run.conclusion = null;
  run.updatedAt = now;
  run.runStartedAt = now;
  run.jobIds = [];
  run.attemptJobs = run.plan.map(() => null);
  earlier.forEach((previous, i) => {
    if (!again.has(i) && previous !== undefined) carry(ctx, run, i, previous);
  });
  ctx.emit({ event: "workflow_run", action: "requested", run });
  releaseJobs(ctx, run);
  return run;
}
