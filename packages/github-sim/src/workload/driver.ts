import type { QueuedRun, SimulatorControl } from "../control/types.js";
import type { WorkloadOptions } from "./options.js";
import { createRunPlanner, type PlannedWorkloadRun } from "./planner.js";

export interface WorkloadDriverOptions extends WorkloadOptions {
  /** Stop after queuing this many runs; `done` resolves then. Unset: until stopped. */
  maxRuns?: number;
  /**
   * Jobs of this workload not yet completed (those waiting on `needs` included) stay at
   * or under this: a run that would go over waits until enough have completed. Without
   * it, a rate above what the runners can take grows the queue without end.
   */
  maxInFlightJobs?: number;
  /** How often a run held back by `maxInFlightJobs` checks again. */
  recheckMs?: number;
  /** A queue call that failed; the workload carries on with the next run. */
  onError?: (error: unknown) => void;
}

export interface WorkloadCounts {
  runsQueued: number;
  jobsQueued: number;
  /** Jobs queued per label set (its labels, comma-separated). */
  jobsByLabelSet: Record<string, number>;
  /** Times a run was held back because too many jobs were in flight. */
  deferred: number;
  /** Queue calls that failed (the run is dropped). */
  errors: number;
  /** Jobs queued and not yet completed, as last counted; 0 when not capped. */
  inFlightJobs: number;
}

export interface RunningWorkload {
  counts(): WorkloadCounts;
  /** Every run queued so far, in order. */
  runs(): QueuedRun[];
  /** Resolves when `maxRuns` runs are queued, or when stopped. */
  done: Promise<void>;
  /** Queues nothing more and waits for a call in progress to finish. */
  stop(): Promise<void>;
}

/**
 * Queues runs on `control` at the options' rate, one timer at a time (never a
 * busy loop). The first run is queued at once.
 */
export function startWorkload(
  control: SimulatorControl,
  options: WorkloadDriverOptions,
): RunningWorkload {
  const planner = createRunPlanner(options);
  const recheckMs = options.recheckMs ?? 1_000;
  const counts: WorkloadCounts = {
    runsQueued: 0,
    jobsQueued: 0,
    jobsByLabelSet: {},
    deferred: 0,
    errors: 0,
    inFlightJobs: 0,
  };
  const queued: QueuedRun[] = [];
  // Runs with jobs not yet completed: run id → how many jobs it plans.
  const open = new Map<number, number>();
  let held: PlannedWorkloadRun | undefined;
  // Queue calls made, successful or not: what `maxRuns` counts.
  let attempted = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inProgress: Promise<void> = Promise.resolve();
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const countInFlight = async (): Promise<number> => {
    if (open.size === 0) return 0;
    const completed = new Map<number, number>();
    for (const job of await control.jobs()) {
      if (job.status === "completed" && open.has(job.runId)) {
        completed.set(job.runId, (completed.get(job.runId) ?? 0) + 1);
      }
    }
    let inFlight = 0;
    for (const [runId, planned] of open) {
      const remaining = planned - (completed.get(runId) ?? 0);
      if (remaining <= 0) open.delete(runId);
      else inFlight += remaining;
    }
    return inFlight;
  };

  /** Queues the next run, or holds it back; answers how long to wait before the next step. */
  const step = async (): Promise<number> => {
    const run = held ?? planner.next();
    held = undefined;
    if (options.maxInFlightJobs !== undefined) {
      counts.inFlightJobs = await countInFlight();
      // A run larger than the cap still goes when nothing is in flight, or it would never go.
      if (
        counts.inFlightJobs > 0 &&
        counts.inFlightJobs + run.input.jobs.length > options.maxInFlightJobs
      ) {
        held = run;
        counts.deferred += 1;
        return recheckMs;
      }
    }
    attempted += 1;
    try {
      const result = await control.queueWorkflowRun(run.input);
      queued.push(result);
      counts.runsQueued += 1;
      counts.jobsQueued += run.input.jobs.length;
      for (const key of run.labelSets) {
        counts.jobsByLabelSet[key] = (counts.jobsByLabelSet[key] ?? 0) + 1;
      }
      if (options.maxInFlightJobs !== undefined) {
        open.set(result.runId, run.input.jobs.length);
        counts.inFlightJobs += run.input.jobs.length;
      }
    } catch (error) {
      counts.errors += 1;
      options.onError?.(error);
    }
    return planner.nextDelayMs();
  };

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    if (options.maxRuns !== undefined && attempted >= options.maxRuns) {
      stopped = true;
      finish();
      return;
    }
    timer = setTimeout(() => {
      timer = undefined;
      inProgress = step().then(schedule, (error: unknown) => {
        // Counting in-flight jobs failed: the simulator may be busy or going; try again later.
        counts.errors += 1;
        options.onError?.(error);
        schedule(recheckMs);
      });
    }, delayMs);
  };

  schedule(0);
  return {
    counts: () => ({ ...counts, jobsByLabelSet: { ...counts.jobsByLabelSet } }),
    runs: () => [...queued],
    done,
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await inProgress;
      finish();
    },
  };
}
