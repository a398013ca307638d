import {
  ActivityFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
} from "@temporalio/workflow";
import type { InstanceOutcome } from "../domain/runner-instance.js";
import type { InstanceReport, RunnerTimings } from "../domain/runner-pool.js";
import type {
  Admission,
  RunnerInstanceActivities,
  RunnerInstanceSpec,
} from "../activities/runner-instances.js";
import type { RunnerLaunchActivities } from "../activities/runner-launch.js";
import type {
  RunnerObservation,
  RunnerObserveActivities,
  RunnerWatch,
} from "../activities/runner-observe.js";
import {
  instanceAssignedSignal,
  instanceRetireSignal,
  poolInstanceSignal,
} from "./runner-signals.js";

// One ephemeral runner, started by its pool: admitted against the workspace's plan →
// Pod, JIT registration and Secret → registered with GitHub (or a failed start) →
// idle until GitHub gives it a job or the pool retires it → busy until its pod ends →
// teardown, which always runs: also after a failure, and when the workflow is cancelled.
// A Pod never restarts (restartPolicy Never), so a used JIT config is never replayed:
// a pod that ends is this instance's end, and the pool starts a new one if needed.

export type RunnerInstanceInput = {
  runnerId: string;
  instanceName: string;
  /** The pool to report to (by workflow id, so reports reach its current run). */
  poolWorkflowId: string;
  timings: RunnerTimings;
  /**
   * Set when the starter admitted the instance already (activities/runner-first-start.ts):
   * there is no admission step then, and the launch is the first thing it does.
   */
  admitted?: RunnerInstanceSpec;
};

/**
 * Marks runs that admit themselves in a local activity (in the worker holding the
 * workflow task, so the launch is scheduled in the instance's first workflow task rather
 * than after a trip through Temporal). Runs recorded before that replay as they ran.
 */
export const LOCAL_ADMISSION = "local-admission";

/**
 * Marks runs that do not report `busy` to the pool when the pool itself told them their
 * job: it counted the runner busy when it did (runner-pool-book.ts), and in a burst every
 * signal more to the one pool workflow is one more wait for it. Runs recorded before that
 * reported it, and replay as they ran.
 */
export const QUIET_ASSIGNED_BUSY = "quiet-assigned-busy";

const records = proxyActivities<RunnerInstanceActivities>({
  startToCloseTimeout: "30 seconds",
  retry: { initialInterval: "1 second", maximumInterval: "30 seconds" },
});

// Admission is one transaction keyed by the instance's name: a worker that dies while it
// runs loses the workflow task, and the next one admits the same name again (as it is).
const admitting = proxyLocalActivities<Pick<RunnerInstanceActivities, "admitRunnerInstance">>({
  startToCloseTimeout: "30 seconds",
  retry: { initialInterval: "1 second", maximumInterval: "30 seconds" },
});

// A burst waits for GitHub's budget inside the call (heartbeating meanwhile); a launch
// that keeps failing is a failed start, which the pool counts and backs off from.
const launching = proxyActivities<RunnerLaunchActivities>({
  startToCloseTimeout: "10 minutes",
  heartbeatTimeout: "30 seconds",
  retry: { initialInterval: "2 seconds", maximumInterval: "30 seconds", maximumAttempts: 5 },
});

// Teardown must finish: retried until it does.
const cleanup = proxyActivities<RunnerLaunchActivities>({
  startToCloseTimeout: "5 minutes",
  heartbeatTimeout: "30 seconds",
  retry: { initialInterval: "2 seconds", maximumInterval: "1 minute" },
});

// Watches last as long as a job does (GitHub's limit is 5 days); the heartbeat timeout
// is what notices a worker that died, and the watch resumes on another one.
const watching = proxyActivities<RunnerObserveActivities>({
  startToCloseTimeout: "6 days",
  heartbeatTimeout: "30 seconds",
  retry: { initialInterval: "2 seconds", maximumInterval: "30 seconds" },
});

/** Where the instance is, for what teardown must do. */
interface Progress {
  githubRunnerId: number | null;
  registered: boolean;
  busy: boolean;
  /** The pool retired the idle runner and GitHub has forgotten it already. */
  runnerRemoved: boolean;
}

export async function runnerInstanceWorkflow(input: RunnerInstanceInput): Promise<InstanceOutcome> {
  const signals = { retire: false, jobId: null as number | null };
  setHandler(instanceRetireSignal, () => {
    signals.retire = true;
  });
  setHandler(instanceAssignedSignal, ({ jobId }) => {
    signals.jobId ??= jobId;
  });

  // Not cancellable: a row written by an admission whose answer was lost to a
  // cancellation would never be finished.
  const admit = () =>
    (patched(LOCAL_ADMISSION) ? admitting : records).admitRunnerInstance({
      runnerId: input.runnerId,
      instanceName: input.instanceName,
    });
  const admission: Admission =
    input.admitted === undefined
      ? await CancellationScope.nonCancellable(admit)
      : { kind: "admitted", spec: input.admitted };
  if (admission.kind === "refused") {
    const outcome: InstanceOutcome = { kind: "refused", reason: admission.reason };
    await report(input, { name: input.instanceName, event: "ended", outcome });
    return outcome;
  }
  const spec = admission.spec;
  const progress: Progress = {
    githubRunnerId: null,
    registered: false,
    busy: false,
    runnerRemoved: false,
  };

  let outcome: InstanceOutcome;
  try {
    outcome = await live(input, spec, progress, signals);
  } catch (error) {
    if (isCancellation(error)) {
      outcome = { kind: "retired", registered: progress.registered };
    } else {
      const reason = describeFailure(error);
      outcome = progress.busy
        ? { kind: "lost", reason, jobId: signals.jobId }
        : { kind: "failed-start", reason };
    }
  }
  await CancellationScope.nonCancellable(() => teardown(input, spec, progress, outcome));
  return outcome;
}

async function live(
  input: RunnerInstanceInput,
  spec: RunnerInstanceSpec,
  progress: Progress,
  signals: { retire: boolean; jobId: number | null },
): Promise<InstanceOutcome> {
  const { timings } = input;
  const { scope } = spec;
  if (scope === null) {
    return { kind: "failed-start", reason: spec.scopeProblem ?? "no GitHub scope for the runner" };
  }
  const launched = await launching.launchRunner(spec).catch((error: unknown) => {
    if (isCancellation(error)) throw error;
    return `launch failed: ${describeFailure(error)}`;
  });
  if (typeof launched === "string") return { kind: "failed-start", reason: launched };
  progress.githubRunnerId = launched.githubRunnerId;
  const watch = (what: RunnerWatch, deadlineMs: number | null) =>
    watching.observeRunner({
      instanceName: spec.instanceName,
      namespace: spec.namespace,
      installationId: spec.installationId,
      scope,
      githubRunnerId: launched.githubRunnerId,
      watch: what,
      deadlineMs,
      podPollMs: timings.podPollMs,
      githubPollMs: timings.githubPollMs,
    });

  const bootstrapSeconds = Math.round(timings.bootstrapTimeoutMs / 1000);
  const first = await watch("registration", Date.now() + timings.bootstrapTimeoutMs);
  switch (first.kind) {
    case "registered":
      break;
    case "busy":
      return busy(input, spec, progress, signals, watch);
    case "pod-ended": {
      if (first.phase === "Succeeded") return { kind: "completed", jobId: signals.jobId };
      const reason = `${first.detail} before the runner registered`;
      if (first.disruption) {
        return { kind: "disrupted", reason, disruption: first.disruption, registered: false };
      }
      return { kind: "failed-start", reason };
    }
    case "runner-gone":
      // GitHub removes an ephemeral runner once its job is done: a job ran between looks.
      return { kind: "completed", jobId: signals.jobId };
    case "deadline":
      return {
        kind: "failed-start",
        reason: `the runner did not register with GitHub within ${bootstrapSeconds} s`,
      };
    default:
      return unexpected(first);
  }

  progress.registered = true;
  await records.recordRunnerInstanceState({ instanceName: spec.instanceName, state: "idle" });
  await report(input, { name: spec.instanceName, event: "idle" });

  for (;;) {
    if (signals.jobId !== null) return busy(input, spec, progress, signals, watch);
    if (signals.retire) {
      const removed = await cleanup.removeGitHubRunner({
        installationId: spec.installationId,
        scope: spec.scope,
        githubRunnerId: progress.githubRunnerId,
        instanceName: spec.instanceName,
      });
      // It took a job between the pool's count and now: it is busy, not surplus.
      if (removed === "busy") {
        signals.retire = false;
        return busy(input, spec, progress, signals, watch);
      }
      progress.runnerRemoved = true;
      return { kind: "retired", registered: true };
    }
    const seen = await unlessInterrupted(
      () => watch("job", null),
      () => signals.retire || signals.jobId !== null,
    );
    if (seen === "interrupted") continue;
    switch (seen.kind) {
      case "busy":
        return busy(input, spec, progress, signals, watch);
      case "pod-ended": {
        if (seen.phase === "Succeeded") return { kind: "completed", jobId: signals.jobId };
        const reason = `${seen.detail} while the runner was idle`;
        // Spot capacity reclaimed under idle runners is not a failed start.
        if (seen.disruption) {
          return { kind: "disrupted", reason, disruption: seen.disruption, registered: true };
        }
        return { kind: "failed-start", reason };
      }
      case "runner-gone":
        return { kind: "completed", jobId: signals.jobId };
      case "registered":
      case "deadline":
        continue;
      default:
        return unexpected(seen);
    }
  }
}

async function busy(
  input: RunnerInstanceInput,
  spec: RunnerInstanceSpec,
  progress: Progress,
  signals: { jobId: number | null },
  watch: (what: RunnerWatch, deadlineMs: number | null) => Promise<RunnerObservation>,
): Promise<InstanceOutcome> {
  progress.registered = true;
  progress.busy = true;
  await records.recordRunnerInstanceState({
    instanceName: spec.instanceName,
    state: "busy",
    jobId: signals.jobId,
  });
  // Only the pool sets the job id (instanceAssignedSignal): it knows already.
  if (signals.jobId === null || !patched(QUIET_ASSIGNED_BUSY)) {
    await report(input, { name: spec.instanceName, event: "busy", jobId: signals.jobId });
  }
  for (;;) {
    const seen = await watch("end", null);
    switch (seen.kind) {
      case "pod-ended": {
        if (seen.phase === "Succeeded") return { kind: "completed", jobId: signals.jobId };
        const job = signals.jobId === null ? "its job" : `job ${signals.jobId}`;
        const capacity = spec.spot ? " on spot capacity" : "";
        return {
          kind: "lost",
          reason: `${seen.detail} while running ${job}${capacity}; the job is lost`,
          jobId: signals.jobId,
          // Only a disruption makes the job a candidate for a re-run (runner-rerun.ts).
          disruption: seen.disruption ?? null,
        };
      }
      case "runner-gone":
        return { kind: "completed", jobId: signals.jobId };
      case "registered":
      case "busy":
      case "deadline":
        continue;
      default:
        return unexpected(seen);
    }
  }
}

/**
 * Deregisters the runner (waiting while GitHub still reports it busy), deletes the Pod
 * and its Secret, writes the final record and tells the pool. Runs to the end even if
 * the workflow is being cancelled.
 */
async function teardown(
  input: RunnerInstanceInput,
  spec: RunnerInstanceSpec,
  progress: Progress,
  outcome: InstanceOutcome,
): Promise<void> {
  const { timings } = input;
  await records.recordRunnerInstanceState({
    instanceName: spec.instanceName,
    state: "terminating",
  });
  if (!progress.runnerRemoved) {
    for (let attempt = 0; ; attempt += 1) {
      const removed = await removeRunner(spec, progress);
      if (removed !== "busy") break;
      if (attempt >= timings.busyRunnerRetries) {
        // GitHub removes offline ephemeral runners itself a day later.
        log.warn("GitHub still reports the runner busy; leaving it to GitHub", {
          instance: spec.instanceName,
        });
        break;
      }
      await sleep(timings.busyRunnerRetryMs);
    }
  }
  await cleanup.removeRunnerPod({ namespace: spec.namespace, instanceName: spec.instanceName });
  await records.finishRunnerInstance({ instanceName: spec.instanceName, outcome });
  await report(input, { name: spec.instanceName, event: "ended", outcome });
}

async function removeRunner(
  spec: RunnerInstanceSpec,
  progress: Progress,
): Promise<"deleted" | "not-found" | "busy" | "failed"> {
  try {
    return await cleanup.removeGitHubRunner({
      installationId: spec.installationId,
      scope: spec.scope,
      githubRunnerId: progress.githubRunnerId,
      instanceName: spec.instanceName,
    });
  } catch (error) {
    // Only a non-retryable failure gets here (say, the installation was removed): the
    // pod must still go.
    log.warn("could not remove the GitHub runner", {
      instance: spec.instanceName,
      error: describeFailure(error),
    });
    return "failed";
  }
}

/** The work's result, or "interrupted" as soon as `interrupt` holds (the work is cancelled). */
async function unlessInterrupted<T>(
  work: () => Promise<T>,
  interrupt: () => boolean,
): Promise<T | "interrupted"> {
  const scope = new CancellationScope();
  try {
    return await scope.run(() =>
      Promise.race([work(), condition(interrupt).then(() => "interrupted" as const)]),
    );
  } finally {
    scope.cancel();
  }
}

async function report(input: RunnerInstanceInput, message: InstanceReport): Promise<void> {
  try {
    await getExternalWorkflowHandle(input.poolWorkflowId).signal(poolInstanceSignal, message);
  } catch (error) {
    // A pool that has ended (its configuration deleted) has nobody left to tell.
    log.warn("could not report to the runner pool", {
      pool: input.poolWorkflowId,
      event: message.event,
      error: describeFailure(error),
    });
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause !== undefined) return error.cause.message;
  return error instanceof Error ? error.message : String(error);
}

function unexpected(observation: never): never {
  throw new Error(`unexpected runner observation ${JSON.stringify(observation)}`);
}
