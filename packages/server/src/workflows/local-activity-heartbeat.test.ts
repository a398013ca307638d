import type { WorkflowHandle } from "@temporalio/client";
import { Worker } from "@temporalio/worker";
import type { temporal } from "@temporalio/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, recordHistory, testTemporal, type TestTemporal } from "@hangar/testkit";
import { defaultRunnerTimings } from "../domain/runner-pool.js";
import { workflowIds } from "../domain/workflow-names.js";
import type { PoolSnapshot } from "../activities/runner-pool.js";
import type { RunnerInstanceInput } from "./runner-instance.js";
import { historiesDir, workflowsPath } from "../workflow-bundle.js";
import { runnerPoolWorkflow } from "./runner-pool.js";
import { poolDemandSignal, poolReconcileSignal, poolStatusQuery } from "./runner-signals.js";

// A local activity that runs longer than 80% of the workflow task timeout does not hold
// the workflow task: the worker completes it with no commands (a workflow task
// "heartbeat") and records the activity's marker in a later task, and signals that
// arrive meanwhile are handed to the workflow before the activity's result. These tests
// make the pool's snapshot (a local activity) span such heartbeats while signals arrive,
// on a real Temporal server and worker with the real workflow bundle, then replay the
// history. The activities are the test's own: a snapshot held until the test lets it go,
// so the order of events is forced, not hoped for.

type Event = temporal.api.history.v1.IHistoryEvent;

let temporalEnv: TestTemporal;

beforeAll(async () => {
  temporalEnv = await testTemporal();
});

afterAll(async () => {
  await temporalEnv.close();
});

/** Lets a held activity go when the test says so. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/** The pool's activities, answering for a configuration the test steers. */
function poolActivities(hold: (attempt: number) => Promise<void>) {
  let reads = 0;
  let draining = false;
  const starts: RunnerInstanceInput[] = [];
  return {
    starts,
    reads: () => reads,
    drain() {
      draining = true;
    },
    activities: {
      async readPoolSnapshot(input: {
        runnerId: string;
        queuedJobIds: number[];
        instanceNames: string[];
      }): Promise<PoolSnapshot> {
        reads += 1;
        await hold(reads);
        return {
          exists: true,
          name: "hangar-heartbeat",
          minIdle: 0,
          maxRunners: 10,
          prewarm: null,
          rerunJobIds: [],
          status: draining ? "deleting" : "active",
          draining,
          paused: false,
          unusable: null,
          fingerprint: "fixed",
          headroom: 10,
          // Draining, every job and instance asked about is done: the pool ends.
          settledJobIds: draining ? input.queuedJobIds : [],
          liveInstances: [],
          endedInstances: draining ? input.instanceNames : [],
          timings: defaultRunnerTimings,
        };
      },
      startRunnerInstances(input: { starts: RunnerInstanceInput[] }): Promise<void> {
        starts.push(...input.starts);
        return Promise.resolve();
      },
      async finishRunnerDeletion(): Promise<void> {},
      async setRunnerConfigurationError(): Promise<void> {},
      async markRunnerConfigurationHealthy(): Promise<void> {},
    },
  };
}

/** A local activity's result (patches are markers too, of another name). */
const isMarker = (event: Event) =>
  event.markerRecordedEventAttributes?.markerName === "core_local_activity";
const isSignal = (event: Event) => event.workflowExecutionSignaledEventAttributes != null;
const isTaskCompleted = (event: Event) => event.workflowTaskCompletedEventAttributes != null;

async function events(workflowId: string): Promise<Event[]> {
  const history = await temporalEnv.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events ?? [];
}

/**
 * The history so far when the first local activity has spanned a workflow task
 * heartbeat and the workflow has taken `signals` signals meanwhile: a task completed
 * after the last of them, and still no marker.
 */
async function signalledDuringActivity(workflowId: string, signals: number) {
  const seen = await events(workflowId);
  if (seen.some(isMarker)) throw new Error("the local activity ended before its signals came");
  const lastSignal = seen.findLastIndex(isSignal);
  if (seen.filter(isSignal).length < signals) return undefined;
  return seen.slice(lastSignal).some(isTaskCompleted) ? seen : undefined;
}

/** Where the first marker is in the history, and what came before it. */
function beforeFirstMarker(history: Event[]) {
  const marker = history.findIndex(isMarker);
  const before = history.slice(0, marker);
  return {
    marker,
    completedTasks: before.filter(isTaskCompleted).length,
    signals: before.filter(isSignal).length,
  };
}

/**
 * After a failed test: lets a held activity go (or the worker would wait for it to stop)
 * and ends the workflow, which would otherwise wait for signals forever.
 */
async function settle(handle: WorkflowHandle, open: () => void): Promise<void> {
  open();
  const { status } = await handle.describe();
  if (status.name === "RUNNING") await handle.terminate("the test ended");
}

async function replay(workflowId: string) {
  const history = await temporalEnv.client.workflow.getHandle(workflowId).fetchHistory();
  await Worker.runReplayHistory({ workflowsPath }, history, workflowId);
}

/**
 * Runs a pool whose first snapshot is held (after `failures` failed attempts, retried by
 * the worker itself) until the worker has heartbeated the workflow task and the workflow
 * has taken three signals; then lets it go, drains the pool and replays its history.
 */
async function heldSnapshot(name: string, failures: number): Promise<void> {
  const held = gate();
  const pool = poolActivities(async (attempt) => {
    if (attempt <= failures) throw new Error("PostgreSQL is unavailable");
    // Every read until the test lets go: one the worker runs again (a workflow task
    // timed out on a busy machine) is held too.
    await held.wait;
  });
  const taskQueue = `${temporalEnv.taskQueue}-${name}`;
  const worker = await Worker.create({
    connection: temporalEnv.workerConnection,
    namespace: temporalEnv.namespace,
    taskQueue,
    workflowsPath,
    activities: pool.activities,
  });
  const runnerId = `${name}-${temporalEnv.taskQueue}`;
  const workflowId = workflowIds.runnerPool(runnerId);
  const handle = await temporalEnv.client.workflow.start(runnerPoolWorkflow, {
    taskQueue,
    workflowId,
    args: [{ runnerId }],
    // Short, so the held snapshot outlasts 80% of it within seconds.
    workflowTaskTimeout: "4 seconds",
  });
  await worker
    .runUntil(async () => {
      await eventually("the held snapshot to be read", () =>
        Promise.resolve(pool.reads() > failures ? true : undefined),
      );
      // The held snapshot has made the worker heartbeat the task: a task completed
      // after the first one, and still no marker.
      await eventually(
        "a workflow task heartbeat",
        async () => {
          const seen = await events(workflowId);
          if (seen.some(isMarker)) throw new Error("the snapshot was not held");
          return seen.filter(isTaskCompleted).length >= 2 ? true : undefined;
        },
        30_000,
      );
      await handle.signal(poolDemandSignal, { jobId: 1, kind: "queued", runnerName: null });
      await handle.signal(poolDemandSignal, { jobId: 2, kind: "queued", runnerName: null });
      await handle.signal(poolReconcileSignal);
      // The workflow took the signals in a task of their own while the snapshot is
      // still being read.
      await eventually(
        "the signals taken during the snapshot",
        () => signalledDuringActivity(workflowId, 3),
        30_000,
      );
      held.open();

      // The demand taken while the snapshot was read is in the book before the snapshot's
      // result: the plan made with that snapshot starts its two runners, in replay too.
      await eventually("two instances started", () =>
        Promise.resolve(pool.starts.length >= 2 ? true : undefined),
      );
      expect((await handle.query(poolStatusQuery)).queuedJobIds).toEqual([1, 2]);
      pool.drain();
      await handle.signal(poolReconcileSignal);
      expect(await handle.result()).toEqual({
        outcome: "drained",
        reason: "the runner configuration was deleted",
      });
    })
    .finally(() => settle(handle, held.open));
  expect(pool.starts).toHaveLength(2);

  const history = await events(workflowId);
  const first = beforeFirstMarker(history);
  // The marker landed after heartbeats (tasks completed after the first one) and after
  // the three signals; failed attempts left no trace but the marker's attempt count.
  expect(first.completedTasks).toBeGreaterThanOrEqual(2);
  expect(first.signals).toBe(3);
  expect(history.filter(isMarker).length).toBeLessThanOrEqual(pool.reads() - failures);
  // The runners for that demand were planned with the held snapshot itself: their start
  // is scheduled before the next snapshot's marker.
  const markers = history.flatMap((event, index) => (isMarker(event) ? [index] : []));
  const startScheduled = history.findIndex(
    (event) =>
      event.activityTaskScheduledEventAttributes?.activityType?.name === "startRunnerInstances",
  );
  expect(startScheduled).toBeGreaterThan(markers[0]!);
  expect(startScheduled).toBeLessThan(markers[1]!);
  await replay(workflowId);
  await recordHistory(temporalEnv.client, workflowId, historiesDir, `runner-pool-${name}`);
}

describe("local activities across workflow task heartbeats", () => {
  it("the pool's snapshot spans heartbeats while demand arrives, and the history replays", async () => {
    await heldSnapshot("snapshot-heartbeat", 0);
  });

  it("a snapshot that fails and is retried in the worker across heartbeats replays too", async () => {
    // Its retry policy never backs off beyond a minute (localRetryThreshold's default),
    // so a failed snapshot is always retried in the worker, never after a timer.
    await heldSnapshot("snapshot-retried", 2);
  });
});
