import { Worker } from "@temporalio/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  recordHistory,
  testDatabase,
  testTemporal,
  type TestDatabase,
  type TestTemporal,
} from "@hangar/testkit";
import { historiesDir, workflowsPath } from "../workflow-bundle.js";
import { createSelfCheckActivities } from "../activities/self-check.js";
import { selfCheckWorkflow } from "./self-check.js";

describe("self-check workflow on a real Temporal server", () => {
  let database: TestDatabase;
  let temporal: TestTemporal;
  beforeAll(async () => {
    [database, temporal] = await Promise.all([testDatabase(), testTemporal()]);
  });
  afterAll(async () => {
    await Promise.all([database.close(), temporal.close()]);
  });

  it("runs its activities on a real worker and replays deterministically", async () => {
    const worker = await Worker.create({
      connection: temporal.workerConnection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      workflowsPath,
      activities: createSelfCheckActivities({ db: database.db, workerIdentity: "test-worker" }),
    });
    const workflowId = `self-check-${temporal.taskQueue}`;
    const result = await worker.runUntil(
      temporal.client.workflow.execute(selfCheckWorkflow, {
        taskQueue: temporal.taskQueue,
        workflowId,
      }),
    );
    expect(result.postgresVersion).toMatch(/^\d+\.\d+/);
    expect(result.schemaVersion).toBeGreaterThan(0);
    expect(result.workerIdentity).toBe("test-worker");

    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    const activityTasks = history.events?.filter((e) => e.activityTaskScheduledEventAttributes);
    expect(activityTasks).toHaveLength(2);
    await Worker.runReplayHistory({ workflowsPath }, history, workflowId);
    await recordHistory(temporal.client, workflowId, historiesDir, "self-check");
  });
});
