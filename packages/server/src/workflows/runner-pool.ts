import {
  ActivityFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from "@temporalio/workflow";
import { haltMessage, planScale } from "../domain/autoscale.js";
import { runnerInstanceName } from "../domain/runner-instance.js";
import { workflowIds } from "../domain/workflow-names.js";
import type { RunnerPoolActivities } from "../activities/runner-pool.js";
import type { RunnerRerunActivities } from "../activities/runner-rerun.js";
import { runnerInstanceWorkflow, type RunnerInstanceInput } from "./runner-instance.js";
import { RunnerPoolBook, initialPoolState, type RunnerPoolState } from "./runner-pool-book.js";
import {
  instanceAssignedSignal,
  instanceRetireSignal,
  poolDemandSignal,
  poolInstanceSignal,
  poolReconcileSignal,
  poolStatusQuery,
} from "./runner-signals.js";

// The autoscaler of one runner configuration, `pool-<runnerId>`: long-running, started
// by the first demand (signal-with-start), continued as new with its state when its
// history grows. Signals feed its book (runner-pool-book.ts: the jobs queued for the
// configuration, by job id so a repeated signal is harmless, and its instances); on
// every signal and on a timer it reads a snapshot of the configuration and plans with
// domain/autoscale.ts: start instances, retire surplus idle ones. Instances are
// workflows of their own, started by workflow id (runs recorded earlier started them as
// abandoned children): they outlive every run of their pool and report to it by
// workflow id. The pool also owns
// the timer of jobs its runners lost to a disruption: it asks for their re-run until
// GitHub accepts it (activities/runner-rerun.ts), waiting longer each time their run is
// still running.

export type { RunnerPoolState } from "./runner-pool-book.js";

export type RunnerPoolInput = {
  runnerId: string;
  state?: RunnerPoolState;
  /** Continue as new beyond this many history events (tests make it small). */
  maxHistoryEvents?: number;
};

export type RunnerPoolResult = { outcome: "drained"; reason: string };

/**
 * Marks runs that do not wait for their signals to instances. In a burst every started
 * job is one such signal, and under load one takes seconds to be delivered (longer to an
 * instance that has just ended, when it fails): a pool waiting for each started no
 * runner meanwhile. Runs recorded before that waited, and replay as they ran.
 */
export const CONCURRENT_INSTANCE_SIGNALS = "concurrent-instance-signals";

/**
 * Marks runs that read their snapshot as a local activity (in the worker holding the
 * workflow task, so a demand signal becomes a child start in one workflow task instead of
 * two and an activity's trip through Temporal), and that plan again while the children
 * of an earlier plan are still being started: in a burst Temporal puts off child starts
 * on a workflow this busy for seconds each, and a pool waiting for a whole batch started
 * nothing meanwhile. Runs recorded before that replay as they ran.
 */
export const OVERLAPPING_STARTS = "overlapping-starts";

/**
 * Marks runs that leave telling an instance its job to the job's demand activity
 * (activities/runner-demand.ts), which signals the instance after the pool: one signal
 * less out of this workflow per job. Runs recorded before that told it themselves.
 */
export const ASSIGNED_BY_DEMAND = "assigned-by-demand";
/**
 * A paused pool (configuration suspended, installation's service off) retires its idle
 * runners as a draining one does, and a drained deletion marks the configuration
 * deleted. Older histories kept idle runners through a suspension and left the
 * configuration `deleting`.
 */
export const PAUSE_AND_FINISH_DELETION = "pause-and-finish-deletion";
/**
 * Marks runs that start their instances from an activity (a client start by workflow
 * id) instead of as child workflows. The server carries out a child start on
 * the parent's behalf and puts it off while the parent is busy, backing off further
 * each time up to minutes: in a burst, where the pool is busy all the time, its
 * starting runners (capped) waited minutes for workflows that did not exist yet, and
 * pods came in waves with minutes of none between them. Runs recorded before that
 * started children, and replay as they ran.
 */
export const DIRECT_INSTANCE_STARTS = "direct-instance-starts";
/**
 * Marks runs whose snapshot moves a runner the book counts as starting on to idle or
 * busy when its record says so, without waiting for its report: a report is a signal,
 * which Temporal puts off while the pool is busy, and a runner counted as starting
 * keeps another from starting (the cap). Runs recorded before that waited for reports.
 */
export const RECORDED_PROGRESS = "recorded-progress";

const MAX_HISTORY_EVENTS = 10_000;

const activities = proxyActivities<RunnerPoolActivities>({
  startToCloseTimeout: "1 minute",
  retry: { initialInterval: "1 second", maximumInterval: "30 seconds" },
});

// The snapshot is a few reads of PostgreSQL, safe to repeat: a worker that dies while
// reading it loses its workflow task, and the next one reads it again.
const local = proxyLocalActivities<Pick<RunnerPoolActivities, "readPoolSnapshot">>({
  startToCloseTimeout: "1 minute",
  retry: { initialInterval: "1 second", maximumInterval: "30 seconds" },
});

// Starting an instance is idempotent by its workflow id. A start that keeps failing
// gives up, and the pool plans without that instance. An activity rather than a local
// one: the pool does not wait for it, and its result is an event of the pool's history,
// ordered with the signals around it.
const startingInstances = proxyActivities<Pick<RunnerPoolActivities, "startRunnerInstances">>({
  startToCloseTimeout: "1 minute",
  retry: { initialInterval: "1 second", maximumInterval: "10 seconds", maximumAttempts: 5 },
});

// A look that keeps failing (GitHub unavailable) is tried again at the next due time;
// it must not hold up the pool's loop meanwhile.
const rerunning = proxyActivities<RunnerRerunActivities>({
  startToCloseTimeout: "1 minute",
  retry: { initialInterval: "2 seconds", maximumInterval: "30 seconds", maximumAttempts: 3 },
});

export async function runnerPoolWorkflow(input: RunnerPoolInput): Promise<RunnerPoolResult> {
  const { runnerId } = input;
  const book = new RunnerPoolBook(input.state ?? initialPoolState);
  let dirty = true;
  let evaluations = 0;
  setHandler(poolDemandSignal, (demand) => {
    book.demand(demand, Date.now());
    dirty = true;
  });
  setHandler(poolInstanceSignal, (message) => {
    book.report(message, Date.now());
    dirty = true;
  });
  setHandler(poolReconcileSignal, () => {
    dirty = true;
  });
  setHandler(poolStatusQuery, () => book.status(evaluations));
  // Signals to instances on their way; awaited only before this run ends.
  const signalling = new Set<Promise<void>>();
  const notify = (name: string, send: Send): Promise<void> => {
    const sent = tell(name, send);
    signalling.add(sent);
    void sent.then(() => signalling.delete(sent));
    return sent;
  };
  // Children being started, when the loop does not wait for them; awaited only before
  // this run ends (continue-as-new must not drop a start it has asked for).
  const starting = new Set<Promise<void>>();
  // Work the handlers leave for the loop (handlers do not await activities).
  const pendingWork = () =>
    dirty || book.notices.halt || book.notices.healthy || book.assignments.length > 0;

  for (;;) {
    dirty = false;
    if (book.notices.halt) {
      book.notices.halt = false;
      const message = haltMessage(book.currentFailures);
      await activities.setRunnerConfigurationError({ runnerId, message });
    }
    if (book.notices.healthy) {
      book.notices.healthy = false;
      await activities.markRunnerConfigurationHealthy({ runnerId });
    }
    const waitForSignals = !patched(CONCURRENT_INSTANCE_SIGNALS);
    const assignments = book.assignments.splice(0);
    if (assignments.length > 0 && patched(ASSIGNED_BY_DEMAND)) assignments.length = 0;
    for (const { name, jobId } of assignments) {
      const sent = notify(name, (handle) => handle.signal(instanceAssignedSignal, { jobId }));
      if (waitForSignals) await sent;
    }

    const overlapping = patched(OVERLAPPING_STARTS);
    const snapshot = await (overlapping ? local : activities).readPoolSnapshot({
      runnerId,
      queuedJobIds: book.queuedJobIds(),
      instanceNames: book.names(),
    });
    const now = Date.now();
    book.reconcile(snapshot, now, patched(RECORDED_PROGRESS));
    const timings = book.currentTimings;
    const counted = book.planInput(now);
    const quiet =
      snapshot.draining || (snapshot.paused === true && patched(PAUSE_AND_FINISH_DELETION));
    const plan = planScale({
      minIdle: quiet ? 0 : snapshot.minIdle,
      maxRunners: snapshot.maxRunners,
      queuedJobs: quiet ? 0 : counted.queuedJobs,
      instances: counted.instances,
      quotaHeadroom: snapshot.headroom - counted.unadmitted,
      mayCreate: snapshot.unusable === null && book.startsAllowed(now),
      maxStarting: timings.maxStarting,
      // A configuration being deleted or paused keeps no idle runner waiting.
      idleTimeoutMs: quiet ? 0 : timings.idleTimeoutMs,
      nowMs: now,
    });
    if (plan.limitedBy !== null && plan.limitedBy !== "paused") {
      log.debug("pool limited", { runnerId, limitedBy: plan.limitedBy, desired: plan.desired });
    }

    for (const name of plan.retire) {
      if (!book.retiring(name)) continue;
      const sent = notify(name, (handle) => handle.signal(instanceRetireSignal));
      if (waitForSignals) await sent;
    }

    const direct = plan.create > 0 && patched(DIRECT_INSTANCE_STARTS);
    const starts: Promise<void>[] = [];
    const directStarts: RunnerInstanceInput[] = [];
    for (let i = 0; i < plan.create; i += 1) {
      const name = runnerInstanceName(snapshot.name, uuid4());
      book.started(name, now);
      if (direct) {
        const poolWorkflowId = workflowInfo().workflowId;
        directStarts.push({ runnerId, instanceName: name, poolWorkflowId, timings });
        continue;
      }
      starts.push(
        startChild(runnerInstanceWorkflow, {
          workflowId: workflowIds.runnerInstance(name),
          args: [
            { runnerId, instanceName: name, poolWorkflowId: workflowInfo().workflowId, timings },
          ],
          // Instances outlive this run of the pool (continue-as-new closes it).
          parentClosePolicy: ParentClosePolicy.ABANDON,
        }).then(
          () => undefined,
          (error: unknown) => {
            log.warn("could not start a runner instance", { name, error: String(error) });
            book.dropped(name);
            // Planned without it: plan again rather than wait for the timer.
            if (overlapping) dirty = true;
          },
        ),
      );
    }
    if (directStarts.length > 0) {
      const names = directStarts.map((start) => start.instanceName);
      starts.push(
        startingInstances.startRunnerInstances({ starts: directStarts }).then(
          () => undefined,
          (error: unknown) => {
            log.warn("could not start runner instances", { names, error: String(error) });
            // Any of them that did start reports to this pool, or shows in its snapshot.
            for (const name of names) book.dropped(name);
            dirty = true;
          },
        ),
      );
    }
    if (overlapping || direct) {
      // The book counts them as starting already, so the next plan does not start them
      // twice; their failures come back through book.dropped.
      for (const start of starts) {
        starting.add(start);
        void start.then(() => starting.delete(start));
      }
    } else {
      await Promise.all(starts);
    }

    const dueReruns = book.dueReruns(now);
    if (dueReruns.length > 0) {
      await Promise.all(
        dueReruns.map(async (jobId) => {
          book.rerunChecked(jobId, await stillWaiting(jobId), now);
        }),
      );
    }

    if (snapshot.draining && book.size === 0 && book.pendingReruns === 0) {
      await Promise.all(starting);
      await Promise.all(signalling);
      if (snapshot.exists && patched(PAUSE_AND_FINISH_DELETION)) {
        await activities.finishRunnerDeletion({ runnerId });
      }
      return {
        outcome: "drained",
        reason: snapshot.exists ? "the runner configuration was deleted" : "no configuration",
      };
    }

    const info = workflowInfo();
    if (
      info.continueAsNewSuggested ||
      info.historyLength > (input.maxHistoryEvents ?? MAX_HISTORY_EVENTS)
    ) {
      await Promise.all(starting);
      await Promise.all(signalling);
      await condition(allHandlersFinished);
      return await continueAsNew<typeof runnerPoolWorkflow>({ ...input, state: book.toState() });
    }

    const wakeAt = [
      now + timings.reevaluateMs,
      plan.nextRetirementAtMs,
      book.resumeAtMs(),
      book.nextRerunAtMs(),
      ...counted.confirmAt,
    ].filter((at): at is number => at !== null && at > now);
    evaluations += 1;
    await condition(pendingWork, Math.max(1, Math.min(...wakeAt) - now));
  }
}

/** One look at a lost job's re-run; true when it still waits for its run to complete. */
async function stillWaiting(jobId: number): Promise<boolean> {
  try {
    return (await rerunning.rerunLostJob({ jobId })).state === "waiting";
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn("could not ask GitHub to re-run a lost job; trying again later", {
      jobId,
      error: error.message,
    });
    return true;
  }
}

type Send = (handle: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>;

/** Signals one instance; one that has ended meanwhile has nothing left to hear. */
async function tell(name: string, send: Send): Promise<void> {
  try {
    await send(getExternalWorkflowHandle(workflowIds.runnerInstance(name)));
  } catch (error) {
    log.info("runner instance did not take a signal", { name, error: String(error) });
  }
}
