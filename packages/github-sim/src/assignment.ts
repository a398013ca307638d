import { isoAt } from "./clock.js";
import type { SimContext } from "./state/context.js";
import { completeJob } from "./state/jobs.js";
import { groupAdmits, groupOfRunner } from "./state/runner-groups.js";
import type { JobRecord, RunnerRecord } from "./state/records.js";

const QUEUE_LIMIT_MS = 24 * 3_600_000;

/** GitHub's rule: the runner must carry every label of the job, compared case-insensitively. */
export function labelsMatch(
  runnerLabels: readonly string[],
  jobLabels: readonly string[],
): boolean {
  const have = new Set(runnerLabels.map((l) => l.toLowerCase()));
  return jobLabels.every((l) => have.has(l.toLowerCase()));
}

/**
 * Repo runners serve their repository; org runners serve the repositories of the org
 * that their runner group admits.
 */
export function canServe(ctx: SimContext, runner: RunnerRecord, job: JobRecord): boolean {
  if (runner.scope.kind === "repo") return runner.scope.repositoryId === job.repositoryId;
  const repo = ctx.state.repositories.get(job.repositoryId);
  return (
    repo !== undefined &&
    repo.owner.type === "Organization" &&
    repo.owner.login.toLowerCase() === runner.scope.owner.toLowerCase() &&
    groupAdmits(groupOfRunner(ctx, runner), repo)
  );
}

function isIdle(runner: RunnerRecord): boolean {
  return runner.status === "online" && !runner.busy && runner.assignedJobId === null;
}

/**
 * Offers every unassigned queued job, oldest first, to an idle online runner
 * that may take it (the longest-registered first, so the choice is
 * deterministic). A runner started "for" one job may well take another.
 */
export function assignQueuedJobs(ctx: SimContext): void {
  const idle = [...ctx.state.runners.values()].filter(isIdle).sort((a, b) => a.id - b.id);
  if (idle.length === 0) return;
  for (const job of ctx.state.jobsInOrder()) {
    if (job.status !== "queued" || job.assignedRunnerId !== null) continue;
    const index = idle.findIndex(
      (r) => isIdle(r) && canServe(ctx, r, job) && labelsMatch(r.labels, job.labels),
    );
    const runner = idle[index];
    if (!runner) continue;
    idle.splice(index, 1);
    runner.busy = true;
    runner.assignedJobId = job.id;
    job.assignedRunnerId = runner.id;
    job.assignedAtMs = ctx.clock.now();
    if (!runner.held) startJob(ctx, job, runner);
    if (idle.length === 0) return;
  }
}

/** The runner acknowledged the job: it is in progress from now on. */
export function startJob(ctx: SimContext, job: JobRecord, runner: RunnerRecord): void {
  const now = ctx.clock.now();
  const group = ctx.state.findGroup(runner.ownerLogin, runner.runnerGroupId);
  job.status = "in_progress";
  job.startedAtMs = now;
  job.startedAt = isoAt(now);
  job.runnerId = runner.id;
  job.runnerName = runner.name;
  job.runnerGroupId = runner.runnerGroupId;
  job.runnerGroupName = group?.name ?? "Default";
  job.steps = [
    {
      name: "Set up job",
      number: 1,
      status: "in_progress",
      conclusion: null,
      startedAt: job.startedAt,
      completedAt: null,
    },
  ];
  ctx.emit({ event: "workflow_job", action: "in_progress", job });
  const run = ctx.state.runs.get(job.runId);
  if (run && run.status !== "in_progress" && run.status !== "completed") {
    run.status = "in_progress";
    run.updatedAt = isoAt(now);
    ctx.emit({ event: "workflow_run", action: "in_progress", run });
  }
}

/** Gives a job whose runner never started it back to the queue. */
function returnToQueue(ctx: SimContext, job: JobRecord): void {
  const runner =
    job.assignedRunnerId === null ? undefined : ctx.state.runners.get(job.assignedRunnerId);
  if (runner) {
    runner.busy = false;
    runner.assignedJobId = null;
    // GitHub stops offering work to a runner that did not answer; it shows offline.
    runner.status = "offline";
  }
  job.assignedRunnerId = null;
  job.assignedAtMs = null;
}

/**
 * Every time-based transition against the simulator clock: assignment
 * timeouts, scripted completions, the 24-hour queue limit, then assignment.
 */
export function tick(ctx: SimContext): void {
  const now = ctx.clock.now();
  for (const job of ctx.state.jobsInOrder()) {
    if (job.status === "queued" && job.assignedRunnerId !== null && job.assignedAtMs !== null) {
      if (now - job.assignedAtMs >= ctx.assignmentTimeoutMs) returnToQueue(ctx, job);
    }
    if (job.status === "in_progress" && job.startedAtMs !== null) {
      if (now - job.startedAtMs >= job.durationMs) completeJob(ctx, job, job.scriptedConclusion);
    }
    if (
      job.status === "queued" &&
      job.startedAtMs === null &&
      now - job.queuedAtMs >= QUEUE_LIMIT_MS
    ) {
      // GitHub ends jobs no runner took within a day; they surface as cancelled, with no runner.
      completeJob(ctx, job, "cancelled");
    }
  }
  assignQueuedJobs(ctx);
}
