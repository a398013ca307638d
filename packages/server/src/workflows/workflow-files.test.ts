import { startSimulator, type Simulator } from "@hangar/github-sim";
import { Worker } from "@temporalio/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import { seedTenant } from "../activities/jobs-fixtures.js";
import {
  createRecordingRunnerSide,
  createRunnerSideActivities,
} from "../activities/runner-side.js";
import { createWorkflowFileActivities } from "../activities/workflow-files.js";
import { workflowIds, workflowTypes, workflowFilesSignals } from "../domain/workflow-names.js";
import { createGitHubApp } from "../github/app-client.js";
import { workflowsPath } from "../workflow-bundle.js";

describe("workflow files workflow (workflow analysis)", () => {
  let database: TestDatabase;
  let temporal: TestTemporal;
  let sim: Simulator;
  beforeAll(async () => {
    [database, temporal, sim] = await Promise.all([
      testDatabase(),
      testTemporal(),
      startSimulator(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([database.close(), temporal.close(), sim.close()]);
  });

  it("stores the runs-on labels of the pushed commit's workflow files on the repository", async () => {
    const { installationId, repositories } = await sim.control.createInstallation({
      account: { login: "labels-org", type: "Organization" },
      repositories: ["app"],
    });
    const repo = repositories[0]!;
    await seedTenant(database.db, { installationId, repository: repo });
    await sim.control.pushWorkflowFile({
      repository: repo.fullName,
      path: ".github/workflows/ci.yml",
      content:
        "on: push\njobs:\n  a: { runs-on: [self-hosted, Hangar-4cpu] }\n  b: { runs-on: '${{ matrix.os }}' }\n",
    });
    await sim.control.pushWorkflowFile({
      repository: repo.fullName,
      path: ".github/workflows/broken.yml",
      content: "jobs: [unclosed",
    });
    const { sha } = await sim.control.pushWorkflowFile({
      repository: repo.fullName,
      path: ".github/workflows/gpu.yaml",
      content: "on: push\njobs:\n  train:\n    runs-on: { group: ml, labels: hangar-gpu }\n",
    });

    const github = createGitHubApp({
      apiUrl: sim.url,
      appId: sim.app.id,
      privateKeyPem: sim.app.privateKeyPem,
    });
    const runnerSide = createRecordingRunnerSide();
    const worker = await Worker.create({
      connection: temporal.workerConnection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      workflowsPath,
      activities: {
        ...createWorkflowFileActivities({ db: database.db, github }),
        ...createRunnerSideActivities({ runnerSide }),
      },
    });
    const workflowId = `${workflowIds.workflowFiles(repo.id)}-${temporal.taskQueue}`;
    await worker.runUntil(async () => {
      const handle = await temporal.client.workflow.signalWithStart(workflowTypes.workflowFiles, {
        workflowId,
        taskQueue: temporal.taskQueue,
        signal: workflowFilesSignals.push,
        signalArgs: [
          {
            repository: { id: repo.id, fullName: repo.fullName, ownerLogin: "labels-org" },
            installationId,
            ref: "refs/heads/main",
            after: sha,
            changedPaths: [".github/workflows/ci.yml"],
          },
        ],
        args: [],
      });
      // The first scan is done once the pools have been told; then end the workflow early.
      for (let i = 0; i < 300; i++) {
        const row = await database.db
          .selectFrom("repositories")
          .select(["workflow_labels", "workflow_jobs", "workflows_scanned_at"])
          .where("github_repository_id", "=", BigInt(repo.id))
          .executeTakeFirstOrThrow();
        if (row.workflows_scanned_at !== null && runnerSide.calls.length > 0) {
          expect(row.workflow_labels).toEqual(["hangar-4cpu", "hangar-gpu"]);
          // Each job's whole label set, for pre-warming; the expression and the other
          // runner group are not counted.
          expect(row.workflow_jobs).toEqual([{ labels: ["hangar-4cpu", "self-hosted"], jobs: 1 }]);
          expect(runnerSide.calls).toEqual([{ op: "workflowFilesChanged", installationId }]);
          await handle.terminate("test done");
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error("repository was never scanned");
    });
  });
});
