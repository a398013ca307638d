import { Worker } from "@temporalio/worker";
import { afterAll, beforeAll, describe, it } from "vitest";
import { startSimulator, type Simulator } from "@hangar/github-sim";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import { createInstallationActivities } from "../src/activities/installation.js";
import { createJobActivities } from "../src/activities/jobs.js";
import type { SeededTenant } from "../src/activities/jobs-fixtures.js";
import {
  createRecordingRunnerSide,
  createRunnerSideActivities,
} from "../src/activities/runner-side.js";
import { createRunActivities } from "../src/activities/runs.js";
import { createUsageActivities } from "../src/activities/usage.js";
import { createWorkflowFileActivities } from "../src/activities/workflow-files.js";
import type { GitHubApp } from "../src/github/types.js";
import type { RunningIntake } from "../src/main/intake.js";
import { workflowsPath } from "../src/workflow-bundle.js";
import { isolatedNamespace, type IsolatedNamespace } from "./isolated-namespace.js";
import { queueJobMatrix } from "./job-matrix.js";
import { startPipelineIntake } from "./pipeline-intake.js";
import {
  completedOnGitHub,
  expectOutcomeMatchesGitHub,
  redeliverDropped,
} from "./pipeline-outcome.js";
import { startRunnerFleet, type RunnerFleet } from "./runner-fleet.js";
import { simulatedTenant } from "./simulated-tenant.js";

// The whole pipeline on real services: the GitHub simulator sends every delivery twice,
// in swapped pairs, and drops about a tenth; the intake records and relays them to
// Temporal; the workflows write jobs and bill usage in PostgreSQL; the redelivery
// reconciler recovers the drops. What ends in the database must equal GitHub's view.

const JOBS = 100;
const RUNNERS = 10;
const CANCELLED_BEFORE_START = [3, 40, 77];
const PRICE = "0.008000";
const LABEL = "hangar-e2e";

let database: TestDatabase;
let temporal: TestTemporal;
let isolated: IsolatedNamespace;
let sim: Simulator;
let github: GitHubApp;
let tenant: SeededTenant;
let intake: RunningIntake;
let worker: Worker;
let running: Promise<void>;
let fleet: RunnerFleet | undefined;

beforeAll(async () => {
  [database, temporal, sim] = await Promise.all([
    testDatabase({ max: 10 }),
    testTemporal(),
    // No webhook URL yet: the installation's deliveries wait until the tenant exists.
    startSimulator({ autoTick: true }),
  ]);
  isolated = await isolatedNamespace(temporal);
  ({ tenant, github } = await simulatedTenant(sim, database.db, {
    label: LABEL,
    pricePerMinute: PRICE,
  }));
  const db = database.db;
  worker = await Worker.create({
    connection: temporal.workerConnection,
    namespace: isolated.namespace,
    taskQueue: temporal.taskQueue,
    workflowsPath,
    activities: {
      ...createInstallationActivities({ db, github }),
      // A long stale interval, so lost events are recovered by redelivery, not polling.
      ...createJobActivities({ db, github, settings: { completedGraceMs: 1_000 } }),
      ...createWorkflowFileActivities({ db, github }),
      ...createUsageActivities({ db }),
      ...createRunActivities({ db }),
      ...createRunnerSideActivities({ runnerSide: createRecordingRunnerSide() }),
    },
  });
  running = worker.run();
  await sim.control.setChaos({ duplicate: 1, reorder: true, drop: 0.1, seed: 2026 });
  intake = await startPipelineIntake({
    database,
    client: isolated.client,
    taskQueue: temporal.taskQueue,
    sim,
  });
});

afterAll(async () => {
  await fleet?.stop();
  await intake.stop();
  worker.shutdown();
  await running;
  // The installation workflow lives as long as the installation does; this ends it.
  await isolated.drop();
  await Promise.all([database.close(), temporal.close(), sim.close()]);
});

describe("the webhook-to-billing pipeline", () => {
  it("ends with jobs, usage and workflows equal to GitHub's view despite chaos", async () => {
    const began = Date.now();
    const matrix = await queueJobMatrix(sim, {
      repository: tenant.repository.fullName,
      label: LABEL,
      jobs: JOBS,
      // No runner exists yet, so these are cancelled before any runner could start them.
      cancelledBeforeStart: CANCELLED_BEFORE_START,
    });
    fleet = startRunnerFleet({
      sim,
      github,
      size: RUNNERS,
      label: LABEL,
      installationId: tenant.installationId,
      owner: tenant.repository.ownerLogin,
    });
    const simJobs = await completedOnGitHub(sim, matrix.jobIds, 150_000);
    await fleet.stop();
    const redelivery = await redeliverDropped(sim, database.db, github);
    const usageEvents = await expectOutcomeMatchesGitHub({
      db: database.db,
      client: isolated.client,
      tenant,
      matrix,
      simJobs,
      pricePerMinute: PRICE,
    });

    const { attempts } = redelivery;
    const guids = new Set(attempts.map((d) => d.guid)).size;
    const firstAttempts = attempts.filter((d) => !d.redelivery).length;
    console.info(
      `[pipeline] ${JOBS} jobs, ${guids} deliveries, ${firstAttempts - guids} duplicates, ` +
        `${redelivery.dropped} dropped, ${redelivery.redelivered} redelivered in ` +
        `${redelivery.rounds} rounds, ${fleet.registered()} runners, ${usageEvents} usage events, ` +
        `${Date.now() - began} ms`,
    );
  });
});
