import { assignQueuedJobs, startJob } from "../assignment.js";
import type { SimContext } from "./context.js";
import { completeJob } from "./jobs.js";
import type { RunnerRecord } from "./records.js";
import { decodeJitConfig, runnerNamed } from "./runners.js";

/** The runner process connected: it is online and may take work at once. */
export function bringOnline(ctx: SimContext, runner: RunnerRecord): void {
  runner.status = "online";
  assignQueuedJobs(ctx);
}

/**
 * The runner process went away. A job it was running fails, as on GitHub when
 * a runner is lost; a job it had only been offered goes back to the queue.
 */
export function takeOffline(ctx: SimContext, runner: RunnerRecord): void {
  runner.status = "offline";
  const jobId = runner.assignedJobId;
  const job = jobId === null ? undefined : ctx.state.jobs.get(jobId);
  if (job?.status === "in_progress") {
    completeJob(ctx, job, "failure", { runnerGone: true });
  } else if (job) {
    job.assignedRunnerId = null;
    job.assignedAtMs = null;
    runner.assignedJobId = null;
    runner.busy = false;
  }
  assignQueuedJobs(ctx);
}

export function connectRunner(ctx: SimContext, name: string): void {
  bringOnline(ctx, runnerNamed(ctx, name));
}

export function disconnectRunner(ctx: SimContext, name: string): void {
  takeOffline(ctx, runnerNamed(ctx, name));
}

/** A held runner accepts jobs but never starts them: the 60 s return path. */
export function holdRunner(ctx: SimContext, name: string, held: boolean): void {
  const runner = runnerNamed(ctx, name);
  runner.held = held;
  const job = runner.assignedJobId === null ? undefined : ctx.state.jobs.get(runner.assignedJobId);
  if (!held && job?.status === "queued") startJob(ctx, job, runner);
}

export function setRunnerBusy(ctx: SimContext, name: string, busy: boolean): void {
  const runner = runnerNamed(ctx, name);
  runner.busy = busy;
  if (!busy) assignQueuedJobs(ctx);
}

export interface PodRef {
  namespace: string;
  podName: string;
  encodedJitConfig: string;
}

/** A pod holding a JIT config is Running: its runner is the one the config names. */
export function podRunning(ctx: SimContext, pod: PodRef): RunnerRecord | undefined {
  const doc = decodeJitConfig(pod.encodedJitConfig);
  if (!doc) return undefined;
  const runner = ctx.state.runners.get(doc.runnerId);
  // A config whose secret does not match was not issued for this runner (or was replayed).
  if (!runner || runner.jitSecret !== doc.secret) return undefined;
  runner.pod = { namespace: pod.namespace, podName: pod.podName };
  bringOnline(ctx, runner);
  return runner;
}

export function podGone(ctx: SimContext, pod: PodRef): void {
  const doc = decodeJitConfig(pod.encodedJitConfig);
  const runner = doc ? ctx.state.runners.get(doc.runnerId) : undefined;
  if (!runner || runner.jitSecret !== doc?.secret) return;
  runner.pod = null;
  takeOffline(ctx, runner);
}
