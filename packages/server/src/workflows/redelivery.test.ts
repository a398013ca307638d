import { WorkflowNotFoundError } from "@temporalio/client";
import { Worker } from "@temporalio/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testTemporal, type TestTemporal } from "@hangar/testkit";
import { createRedeliveryActivities } from "../activities/redelivery.js";
import { startRedeliveryRig, type RedeliveryRig } from "../activities/redelivery-fixtures.js";
import { workflowsPath } from "../workflow-bundle.js";
import { redeliveryStatusQuery, type RedeliveryWorkflowArgs } from "./redelivery.js";

// The reconciler as it runs in production: one long-lived workflow on real Temporal,
// redelivering what chaos dropped round after round, and continuing as new.

let rig: RedeliveryRig;
let temporal: TestTemporal;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  [rig, temporal] = await Promise.all([startRedeliveryRig(), testTemporal()]);
  worker = await Worker.create({
    connection: temporal.workerConnection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    workflowsPath,
    activities: createRedeliveryActivities({ db: rig.database.db, github: rig.github }),
  });
  running = worker.run();
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await Promise.all([rig.close(), temporal.close()]);
});

describe("redeliveryWorkflow", () => {
  it("keeps redelivering dropped deliveries until every GUID is recorded", async () => {
    const { sim } = rig;
    await sim.control.setChaos({ drop: 0.25, seed: 7 });
    await sim.control.createInstallation({
      account: { login: "acme", type: "Organization" },
      repositories: ["web"],
    });
    await sim.control.queueWorkflowRun({
      repository: "acme/web",
      jobs: Array.from({ length: 20 }, (_, i) => ({ name: `job-${i}`, labels: ["hangar-x"] })),
    });
    await sim.control.drainDeliveries();
    await sim.control.setChaos({});
    const dropped = await rig.droppedGuids();
    expect(dropped.size).toBeGreaterThan(0);

    const workflowId = `redelivery-${temporal.taskQueue}`;
    const args: RedeliveryWorkflowArgs = { intervalMinutes: 0.005, roundsPerRun: 2 };
    const handle = await temporal.client.workflow.start("redeliveryWorkflow", {
      workflowId,
      taskQueue: temporal.taskQueue,
      args: [args],
    });
    try {
      await eventually("every dropped delivery recorded", async () => {
        const recorded = await rig.recorded();
        return [...dropped].every((g) => recorded.has(g)) ? true : undefined;
      });
      // Later rounds find nothing new: each dropped GUID was redelivered once.
      await eventually("a continue-as-new and a quiet round", async () => {
        const latest = temporal.client.workflow.getHandle(workflowId);
        const description = await latest.describe();
        if (description.runId === handle.firstExecutionRunId) return undefined;
        const status = await latest.query(redeliveryStatusQuery);
        return status.rounds >= 1 && status.last?.redelivered === 0 ? status : undefined;
      });
      const redeliveries = await rig.redeliveriesByGuid();
      expect(redeliveries.size).toBe(dropped.size);
      for (const guid of dropped) expect(redeliveries.get(guid)).toBe(1);
    } finally {
      await temporal.client.workflow
        .getHandle(workflowId)
        .terminate("test over")
        .catch((error: unknown) => {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        });
    }
  });
});
