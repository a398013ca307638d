import { isoAt } from "../clock.js";
import type { SimConclusion } from "../webhooks/model.js";
import { SimInputError, type SimContext } from "./context.js";
import type { JobRecord, RunRecord } from "./records.js";
import { headSha } from "./repositories.js";

export const MAX_JOBS_PER_RUN = 256;
export const DEFAULT_JOB_DURATION_MS = 1_000;

export interface QueueJobInput {
  name: string;
  labels: string[];
  durationMs?: number;
  conclusion?: "success" | "failure" | "cancelled";
  environment?: string;
}

export interface QueueRunInput {
  repository: string;
  workflowName?: string;
  headBranch?: string;
  jobs: QueueJobInput[];
}

export interface QueuedRun {
  runId: number;
  runAttempt: number;
  jobIds: number[];
}

function workflowIdFor(repositoryId: number, path: string): number {
  let hash = repositoryId;
  for (const ch of path) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) >>> 0;
  return 80_000_000 + (hash % 10_000_000);
}

/** Queues a run: `workflow_run.requested`, then `queued` (or `waiting`) per job. */
export function queueWorkflowRun(ctx: SimContext, input: QueueRunInput): QueuedRun {
  const repo = ctx.state.findRepository(input.repository);
  if (!repo || repo.installationId === null) {
    throw new SimInputError(404, `repository ${input.repository} is not in any installation`);
  }
  if (input.jobs.length === 0 || input.jobs.length > MAX_JOBS_PER_RUN) {
    throw new SimInputError(400, `a run has 1 to ${MAX_JOBS_PER_RUN} jobs`);
  }
  const now = ctx.clock.now();
  const created = isoAt(now);
  const workflowName = input.workflowName ?? "CI";
  const headBranch = input.headBranch ?? repo.defaultBranch;
  const sha = headSha(repo, headBranch);
  const workflowPath = `.github/workflows/${workflowName.toLowerCase().replace(/[^a-z0-9]+/g, "-")}.yml`;
  const runNumber =
    [...ctx.state.runs.values()].filter((r) => r.repositoryId === repo.id).length + 1;
  const run: RunRecord = {
    id: ctx.state.nextId("run"),
    runAttempt: 1,
    runNumber,
    name: workflowName,
    workflowId: workflowIdFor(repo.id, workflowPath),
    workflowPath,
    headBranch,
    headSha: sha,
    event: "push",
    status: "queued",
    conclusion: null,
    createdAt: created,
    updatedAt: created,
    runStartedAt: created,
    repositoryId: repo.id,
    installationId: repo.installationId,
    jobIds: [],
  };
  const jobs: JobRecord[] = input.jobs.map((spec) => ({
    id: ctx.state.nextId("job"),
    runId: run.id,
    runAttempt: run.runAttempt,
    name: spec.name,
    workflowName,
    headBranch,
    headSha: sha,
    labels: [...spec.labels],
    status: spec.environment === undefined ? "queued" : "waiting",
    conclusion: null,
    createdAt: created,
    startedAt: null,
    completedAt: null,
    runnerId: null,
    runnerName: null,
    runnerGroupId: null,
    runnerGroupName: null,
    steps: [],
    repositoryId: repo.id,
    installationId: run.installationId,
    environment: spec.environment ?? null,
    deploymentId: spec.environment === undefined ? null : ctx.state.nextId("deployment"),
    durationMs: spec.durationMs ?? DEFAULT_JOB_DURATION_MS,
    scriptedConclusion: spec.conclusion ?? "success",
    queuedAtMs: now,
    assignedRunnerId: null,
    assignedAtMs: null,
    startedAtMs: null,
  }));
  run.jobIds = jobs.map((j) => j.id);
  ctx.state.runs.set(run.id, run);
  for (const job of jobs) ctx.state.jobs.set(job.id, job);
  ctx.emit({ event: "workflow_run", action: "requested", run });
  for (const job of jobs) {
    ctx.emit({
      event: "workflow_job",
      action: job.status === "waiting" ? "waiting" : "queued",
      job,
    });
  }
  return { runId: run.id, runAttempt: run.runAttempt, jobIds: run.jobIds };
}

export function getJob(ctx: SimContext, jobId: number): JobRecord {
  const job = ctx.state.jobs.get(jobId);
  if (!job) throw new SimInputError(404, `job ${jobId} does not exist`);
  return job;
}

/** An approved environment lets the job be queued for a runner. */
export function approveEnvironment(ctx: SimContext, jobId: number): void {
  const job = getJob(ctx, jobId);
  if (job.status !== "waiting") throw new SimInputError(409, `job ${jobId} is not waiting`);
  job.status = "queued";
  job.queuedAtMs = ctx.clock.now();
  ctx.emit({ event: "workflow_job", action: "queued", job });
}

/**
 * Ends a job. Its ephemeral runner deregisters itself (and with the runner
 * side its pod exits); the run completes with the last of its jobs.
 */
export function completeJob(
  ctx: SimContext,
  job: JobRecord,
  conclusion: SimConclusion,
  options: { runnerGone?: boolean } = {},
): void {
  if (job.status === "completed") return;
  const now = isoAt(ctx.clock.now());
  const runnerId = job.runnerId ?? job.assignedRunnerId;
  const runner = runnerId === null ? undefined : ctx.state.runners.get(runnerId);
  const started = job.status === "in_progress";
  job.status = "completed";
  job.conclusion = conclusion;
  job.completedAt = now;
  job.steps = job.steps.map((s) => ({
    ...s,
    status: "completed" as const,
    conclusion: s.conclusion ?? conclusion,
    completedAt: s.completedAt ?? now,
  }));
  if (runner) {
    runner.assignedJobId = null;
    runner.busy = false;
    if (options.runnerGone) {
      runner.status = "offline";
    } else if (started && runner.ephemeral) {
      ctx.state.runners.delete(runner.id);
      if (runner.pod) ctx.exitPod?.(runner.pod, 0);
    }
  }
  job.assignedRunnerId = null;
  ctx.emit({ event: "workflow_job", action: "completed", job });
  const run = ctx.state.runs.get(job.runId);
  if (!run) return;
  const runJobs = run.jobIds.map((id) => ctx.state.jobs.get(id));
  if (runJobs.every((j) => j?.status === "completed")) {
    const conclusions = runJobs.map((j) => j?.conclusion);
    run.status = "completed";
    run.conclusion = conclusions.includes("failure")
      ? "failure"
      : conclusions.includes("cancelled")
        ? "cancelled"
        : "success";
    run.updatedAt = now;
    ctx.emit({ event: "workflow_run", action: "completed", run });
  }
}

export function cancelJob(ctx: SimContext, jobId: number): void {
  completeJob(ctx, getJob(ctx, jobId), "cancelled");
}

export function cancelRun(ctx: SimContext, runId: number): void {
  const run = ctx.state.runs.get(runId);
  if (!run) throw new SimInputError(404, `run ${runId} does not exist`);
  for (const jobId of run.jobIds) cancelJob(ctx, jobId);
}
