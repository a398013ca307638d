import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@hangar/github-sim";
import {
  eventually,
  testDatabase,
  testEndpoints,
  testTemporal,
  type TestDatabase,
  type TestTemporal,
} from "@hangar/testkit";
import type { SeededTenant } from "../src/activities/jobs-fixtures.js";
import type { GitHubApp } from "../src/github/types.js";
import type { RunningIntake } from "../src/main/intake.js";
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
import { startWorkerProcess, type WorkerProcess } from "./worker-process.js";

// The pipeline of pipeline.e2e.test.ts, chaos included, with the worker in a process of
// its own that is SIGKILLed halfway through the matrix: no graceful shutdown, its
// workflow and activity tasks abandoned mid-flight. A new worker process takes over,
// and the end state must be the one an undisturbed run reaches.

const JOBS = 40;
const RUNNERS = 8;
const CANCELLED_BEFORE_START = [3, 22];
const PRICE = "0.008000";
const LABEL = "hangar-sigkill";

let database: TestDatabase;
let temporal: TestTemporal;
let isolated: IsolatedNamespace;
let sim: Simulator;
let github: GitHubApp;
let tenant: SeededTenant;
let intake: RunningIntake | undefined;
let fleet: RunnerFleet | undefined;
const workers: WorkerProcess[] = [];

const startWorker = (): WorkerProcess => {
  const worker = startWorkerProcess({
    databaseUrl: database.url,
    temporal: {
      address: testEndpoints().temporalAddress,
      namespace: isolated.namespace,
      taskQueue: temporal.taskQueue,
    },
    github: {
      apiUrl: sim.url,
      appId: sim.app.id,
      privateKeyPem: sim.app.privateKeyPem,
    },
    jobGraceMs: 1_000,
  });
  workers.push(worker);
  return worker;
};

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
  await sim.control.setChaos({ duplicate: 1, reorder: true, drop: 0.1, seed: 4 });
  intake = await startPipelineIntake({
    database,
    client: isolated.client,
    taskQueue: temporal.taskQueue,
    sim,
  });
});

afterAll(async () => {
  await fleet?.stop();
  await intake?.stop();
  // Before the database goes: dropping it waits for no connection, it fails on one.
  await Promise.all(workers.map((w) => w.stop()));
  // The installation workflow lives as long as the installation does; this ends it.
  await isolated.drop();
  await Promise.all([database.close(), temporal.close(), sim.close()]);
});

const completedRows = async (): Promise<number> => {
  const { count } = await database.db
    .selectFrom("jobs")
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .where("installation_id", "=", BigInt(tenant.installationId))
    .where("status", "=", "completed")
    .executeTakeFirstOrThrow();
  return Number(count);
};

describe("a worker SIGKILLed mid-run", () => {
  // Generous: most of the time goes to the abandoned activities' 30 s timeout and to two
  // worker start-ups, which a busy machine stretches.
  it(
    "is replaced by a new process and the pipeline ends as if nothing happened",
    { timeout: 240_000 },
    async () => {
      const began = Date.now();
      const first = startWorker();
      await first.ready;
      const matrix = await queueJobMatrix(sim, {
        repository: tenant.repository.fullName,
        label: LABEL,
        jobs: JOBS,
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

      await first.whileRunning(
        eventually("half the jobs recorded as completed", async () =>
          (await completedRows()) >= JOBS / 2 ? true : undefined,
        ),
      );
      const exit = await first.kill();
      const killedAt = Date.now();
      const recordedAtKill = await completedRows();
      expect(exit.signal).toBe("SIGKILL");
      // Mid-run: the killed worker left jobs behind for its successor.
      expect(recordedAtKill).toBeLessThan(JOBS);

      const second = startWorker();
      await second.ready;
      const simJobs = await second.whileRunning(completedOnGitHub(sim, matrix.jobIds, 90_000));
      await fleet.stop();
      const redelivery = await second.whileRunning(redeliverDropped(sim, database.db, github));
      const usageEvents = await second.whileRunning(
        expectOutcomeMatchesGitHub({
          db: database.db,
          client: isolated.client,
          tenant,
          matrix,
          simJobs,
          pricePerMinute: PRICE,
          // Activities the killed worker held are retried only after their 30 s timeout.
          timeoutMs: 120_000,
        }),
      );
      const recoveredMs = Date.now() - killedAt;
      expect(second.running()).toBe(true);

      console.info(
        `[worker-sigkill] ${JOBS} jobs, ${new Set(redelivery.attempts.map((d) => d.guid)).size} ` +
          `deliveries (${redelivery.dropped} dropped and redelivered), worker ${first.pid} killed ` +
          `with ${recordedAtKill}/${JOBS} jobs completed, ${second.pid} finished ` +
          `${recoveredMs} ms later; ` +
          `${usageEvents} usage events, ${Date.now() - began} ms`,
      );
    },
  );
});
