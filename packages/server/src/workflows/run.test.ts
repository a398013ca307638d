import { Worker } from "@temporalio/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import { workflowsPath } from "../workflow-bundle.js";
import { seedTenant, type SeededTenant } from "../activities/jobs-fixtures.js";
import { createRunActivities } from "../activities/runs.js";
import type { RunEventArgs } from "../domain/signal-args.js";
import { runSignals, workflowIds, workflowTypes } from "../domain/workflow-names.js";

// The run workflow on real Temporal and PostgreSQL, driven by signal-with-start.

let database: TestDatabase;
let temporal: TestTemporal;
let tenant: SeededTenant;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  [database, temporal] = await Promise.all([testDatabase(), testTemporal()]);
  const n = Date.now() % 1_000_000_000;
  tenant = await seedTenant(database.db, {
    installationId: n,
    repository: { id: n, fullName: "acme/web" },
  });
  worker = await Worker.create({
    connection: temporal.workerConnection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    workflowsPath,
    activities: createRunActivities({ db: database.db }),
  });
  running = worker.run();
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await Promise.all([database.close(), temporal.close()]);
});

describe("run workflow", () => {
  it("keeps the newest event's state and ends when the run completes", async () => {
    const runId = Date.now() * 10;
    const base: RunEventArgs = {
      action: "requested",
      id: runId,
      runAttempt: 1,
      name: "CI",
      workflowId: 77,
      event: "push",
      status: "queued",
      conclusion: null,
      headBranch: "main",
      headSha: "4f9d6c1e0b3a2d5c8e7f6a9b0c1d2e3f4a5b6c7d",
      createdAt: "2026-03-01T12:00:00Z",
      updatedAt: "2026-03-01T12:00:00Z",
      runStartedAt: "2026-03-01T12:00:00Z",
      repository: tenant.repository,
      installationId: tenant.installationId,
    };
    const inProgress: RunEventArgs = {
      ...base,
      action: "in_progress",
      status: "in_progress",
      updatedAt: "2026-03-01T12:00:10Z",
    };
    const completed: RunEventArgs = {
      ...base,
      action: "completed",
      status: "completed",
      conclusion: "success",
      updatedAt: "2026-03-01T12:03:00Z",
    };
    // The completed event first: the older in_progress and requested must not undo it.
    for (const event of [inProgress, completed, base, inProgress]) {
      await temporal.client.workflow.signalWithStart(workflowTypes.run, {
        workflowId: workflowIds.run(runId, 1),
        taskQueue: temporal.taskQueue,
        signal: runSignals.runEvent,
        signalArgs: [event],
        args: [],
      });
    }
    await expect
      .poll(async () => {
        const r = await database.db
          .selectFrom("workflow_runs")
          .select(["status", "conclusion", "github_completed_at", "workspace_id"])
          .where("github_run_id", "=", BigInt(runId))
          .executeTakeFirstOrThrow();
        return { ...r, github_completed_at: r.github_completed_at?.toISOString() };
      })
      .toEqual({
        status: "completed",
        conclusion: "success",
        github_completed_at: "2026-03-01T12:03:00.000Z",
        workspace_id: tenant.workspaceId,
      });
  });
});
