import { isoAt } from "../clock.js";
import type { SimConclusion } from "../webhooks/model.js";
import { SimInputError, type SimContext } from "./context.js";
import type { JobRecord, PlannedJob, RunRecord } from "./records.js";
import { headSha } from "./repositories.js";

export const MAX_JOBS_PER_RUN = 256;
export const DEFAULT_JOB_DURATION_MS = 1_000;

export interface QueueJobInput {
  name: string;
  labels: string[];
  durationMs?: number;
  conclusion?: "success" | "failure" | "cancelled";
  environment?: string;
  /** Names of earlier jobs of the run this one waits for, as `needs:` in a workflow. */
  needs?: string[];
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
  /** The jobs queued now; one waiting on `needs` gets its id when it is queued. */
  jobIds: number[];
}

function workflowIdFor(repositoryId: number, path: string): number {
  let hash = repositoryId;
  for (const ch of path) hash = (Math.imul(hash, 31) + ch.charCodeAt(0)) >>> 0;
  return 80_000_000 + (hash % 10_000_000);
}

/** Each job's needs must name jobs listed before it: the run's jobs form no cycle. */
function planOf(jobs: QueueJobInput[]): PlannedJob[] {
  const seen = new Set<string>();
  return jobs.map((spec) => {
    const needs = spec.needs ?? [];
    for (const need of needs) {
      if (!seen.has(need)) {
        throw new SimInputError(400, `job ${spec.name} needs ${need}, which is not an earlier job`);
      }
    }
    if (needs.length > 0 || jobs.some((other) => other.needs?.includes(spec.name))) {
      if (seen.has(spec.name)) {
        throw new SimInputError(400, `job names must be unique in a run with needs: ${spec.name}`);
      }
    }
    seen.add(spec.name);
    return {
      name: spec.name,
      labels: [...spec.labels],
      needs: [...needs],
      durationMs: spec.durationMs ?? DEFAULT_JOB_DURATION_MS,
      scriptedConclusion: spec.conclusion ?? "success",
      environment: spec.environment ?? null,
    };
  });
}

/** Queues a run: `workflow_run.requested`, then `queued` (or `waiting`) per job that needs none. */
export function queueWorkflowRun(ctx: SimContext, input: QueueRunInput): QueuedRun {
  const repo = ctx.state.findRepository(input.repository);
  if (!repo || repo.installationId === null) {
    throw new SimInputError(404, `repository ${input.repository} is not in any installation`);
  }
  if (input.jobs.length === 0 || input.jobs.length > MAX_JOBS_PER_RUN) {
    throw new SimInputError(400, `a run has 1 to ${MAX_JOBS_PER_RUN} jobs`);
  }
  const plan = planOf(input.jobs);
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
    plan,
    attemptJobs: plan.map(() => null),
    previousJobIds: [],
  };
  ctx.state.runs.set(run.id, run);
  ctx.emit({ event: "workflow_run", action: "requested", run });
  releaseJobs(ctx, run);
  return { runId: run.id, runAttempt: run.runAttempt, jobIds: [...run.jobIds] };
}

/** A job of the run's current attempt made from its plan, recorded but not announced. */
export function createJob(
  ctx: SimContext,
  run: RunRecord,
  index: number,
  status: JobRecord["status"],
): JobRecord {
  const spec = run.plan[index];
  if (spec === undefined) throw new Error(`run ${run.id} has no job ${index}`);
  const now = ctx.clock.now();
  const job: JobRecord = {
    id: ctx.state.nextId("job"),
    runId: run.id,
    runAttempt: run.runAttempt,
    name: spec.name,
    workflowName: run.name,
    headBranch: run.headBranch,
    headSha: run.headSha,
    labels: [...spec.labels],
    status,
    conclusion: null,
    createdAt: isoAt(now),
    startedAt: null,
    completedAt: null,
    runnerId: null,
    runnerName: null,
    runnerGroupId: null,
    runnerGroupName: null,
    steps: [],
    repositoryId: run.repositoryId,
    installationId: run.installationId,
    environment: spec.environment,
    deploymentId: spec.environment === null ? null : ctx.state.nextId("deployment"),
    durationMs: spec.durationMs,
    scriptedConclusion: spec.scriptedConclusion,
    queuedAtMs: now,
    assignedRunnerId: null,
    assignedAtMs: null,
    startedAtMs: null,
  };
  ctx.state.jobs.set(job.id, job);
  run.attemptJobs[index] = job.id;
  run.jobIds.push(job.id);
  return job;
}

/**
 * Creates the jobs whose needs are met: queued (or waiting for their environment) when
 * every job they need succeeded, skipped when one did not, as GitHub does for a job
 * without `if: always()`. A skip can release further jobs, so it repeats until nothing
 * changes. Then the run completes if every planned job has.
 */
export function releaseJobs(ctx: SimContext, run: RunRecord): void {
  const byName = new Map<string, JobRecord>();
  const jobOf = (index: number) => {
    const id = run.attemptJobs[index];
    return id === null || id === undefined ? undefined : ctx.state.jobs.get(id);
  };
  for (let changed = true; changed;) {
    changed = false;
    byName.clear();
    run.plan.forEach((spec, index) => {
      const job = jobOf(index);
      if (job) byName.set(spec.name, job);
    });
    run.plan.forEach((spec, index) => {
      if (run.attemptJobs[index] !== null) return;
      const needed = spec.needs.map((name) => byName.get(name));
      if (needed.some((job) => job?.status !== "completed")) return;
      changed = true;
      if (needed.every((job) => job?.conclusion === "success")) {
        const job = createJob(ctx, run, index, spec.environment === null ? "queued" : "waiting");
        ctx.emit({
          event: "workflow_job",
          action: job.status === "waiting" ? "waiting" : "queued",
          job,
        });
      } else {
        const job = createJob(ctx, run, index, "completed");
        job.conclusion = "skipped";
        job.completedAt = job.createdAt;
        ctx.emit({ event: "workflow_job", action: "completed", job });
      }
    });
  }
  completeRunIfDone(ctx, run);
}

function completeRunIfDone(ctx: SimContext, run: RunRecord): void {
  if (run.status === "completed") return;
  const jobs = run.attemptJobs.map((id) => (id === null ? undefined : ctx.state.jobs.get(id)));
  if (!jobs.every((j) => j?.status === "completed")) return;
  const conclusions = jobs.map((j) => j?.conclusion);
  run.status = "completed";
  run.conclusion = conclusions.includes("failure")
    ? "failure"
    : conclusions.includes("cancelled")
      ? "cancelled"
      : "success";
  run.updatedAt = isoAt(ctx.clock.now());
  ctx.emit({ event: "workflow_run", action: "completed", run });
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
 * side its pod exits); jobs that need it are released, and the run completes
 * with the last of its jobs.
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
  // A job of an earlier attempt changes nothing of the run's current one.
  if (run && run.runAttempt === job.runAttempt) releaseJobs(ctx, run);
}

export function cancelJob(ctx: SimContext, jobId: number): void {
  completeJob(ctx, getJob(ctx, jobId), "cancelled");
}

export function cancelRun(ctx: SimContext, runId: number): void {
  const run = ctx.state.runs.get(runId);
  if (!run) throw new SimInputError(404, `run ${runId} does not exist`);
  for (const jobId of run.jobIds) cancelJob(ctx, jobId);
}
