import { setTimeout as sleep } from "node:timers/promises";
import { Client, Connection } from "@temporalio/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@hangar/github-sim";
import {
  eventually,
  privateTemporal,
  testDatabase,
  type PrivateTemporal,
  type TestDatabase,
} from "@hangar/testkit";
import type { SeededTenant } from "../src/activities/jobs-fixtures.js";
import type { GitHubApp } from "../src/github/types.js";
import type { RunningIntake } from "../src/main/intake.js";
import { queueJobMatrix } from "./job-matrix.js";
import { startPipelineIntake } from "./pipeline-intake.js";
import { completedOnGitHub, expectOutcomeMatchesGitHub } from "./pipeline-outcome.js";
import { startRunnerFleet, type RunnerFleet } from "./runner-fleet.js";
import { simulatedTenant } from "./simulated-tenant.js";
import { startWorkerProcess, type WorkerProcess } from "./worker-process.js";

// Temporal goes away for 30 seconds while GitHub keeps sending: the intake must keep
// accepting every delivery (it needs only PostgreSQL), and once Temporal is back the
// relay, the worker and the workflows must catch up by themselves, processing each
// event exactly once. Temporal here is a server of this test's own, with its state on
// disk, stopped and started again on the same port as an operator's restart would.

const JOBS = 24;
const RUNNERS = 6;
const CANCELLED_BEFORE_START = [5];
const PRICE = "0.008000";
const LABEL = "hangar-outage";
const TASK_QUEUE = "hangar-outage";
const OUTAGE_MS = 30_000;

let temporal: PrivateTemporal | undefined;
let connection: Connection | undefined;
let client: Client;
let database: TestDatabase | undefined;
let sim: Simulator | undefined;
let github: GitHubApp;
let tenant: SeededTenant;
let intake: RunningIntake | undefined;
let worker: WorkerProcess | undefined;
let fleet: RunnerFleet | undefined;

beforeAll(async () => {
  [temporal, database, sim] = await Promise.all([
    privateTemporal(),
    testDatabase({ max: 10 }),
    // No webhook URL yet: the installation's deliveries wait until the tenant exists.
    startSimulator({ autoTick: true }),
  ]);
  connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection, namespace: temporal.namespace });
  ({ tenant, github } = await simulatedTenant(sim, database.db, {
    label: LABEL,
    pricePerMinute: PRICE,
  }));
  // Every delivery twice, in swapped pairs; none dropped, so every attempt must get a 2xx.
  await sim.control.setChaos({ duplicate: 1, reorder: true, drop: 0, seed: 30 });
  intake = await startPipelineIntake({ database, client, taskQueue: TASK_QUEUE, sim });
  worker = startWorkerProcess({
    databaseUrl: database.url,
    temporal: { address: temporal.address, namespace: temporal.namespace, taskQueue: TASK_QUEUE },
    github: { apiUrl: sim.url, appId: sim.app.id, privateKeyPem: sim.app.privateKeyPem },
    jobGraceMs: 1_000,
  });
  await worker.ready;
});

afterAll(async () => {
  // Each step whatever became of the others, so no process outlives a failed test.
  const steps: (() => Promise<unknown>)[] = [
    async () => fleet?.stop(),
    async () => intake?.stop(),
    async () => worker?.stop(),
    async () => connection?.close(),
    async () => temporal?.close(),
    async () => database?.close(),
    async () => sim?.close(),
  ];
  for (const step of steps) {
    await step().catch((error: unknown) => {
      console.error(error);
    });
  }
});

const jobRows = async (): Promise<{ recorded: number; completed: number }> => {
  const rows = await database!.db
    .selectFrom("jobs")
    .select("status")
    .where("installation_id", "=", BigInt(tenant.installationId))
    .execute();
  return { recorded: rows.length, completed: rows.filter((r) => r.status === "completed").length };
};

const unsentSignals = async (): Promise<number> => {
  const rows = await database!.db
    .selectFrom("signal_outbox")
    .select("id")
    .where("sent_at", "is", null)
    .execute();
  return rows.length;
};

describe("a 30-second Temporal outage", () => {
  // The 30 s outage plus the relay's backoff after it; a busy machine stretches the rest.
  it(
    "loses no delivery: all are accepted meanwhile and processed exactly once after",
    { timeout: 300_000 },
    async () => {
      const began = Date.now();
      const db = database!.db;
      const live = worker!;
      const matrix = await queueJobMatrix(sim!, {
        repository: tenant.repository.fullName,
        label: LABEL,
        jobs: JOBS,
        cancelledBeforeStart: CANCELLED_BEFORE_START,
      });
      // Temporal stops while the queued events are still being relayed and processed, so
      // signals, workflow tasks and activities are caught in flight; with no runner yet,
      // the jobs' later events all come during the outage.
      const recordedAtStop = await live.whileRunning(
        eventually("a quarter of the jobs recorded", async () => {
          const rows = await jobRows();
          return rows.recorded >= JOBS / 4 ? rows.recorded : undefined;
        }),
      );
      const sentBeforeStop = new Set((await sim!.control.deliveries()).map((d) => d.id));
      await temporal!.stop();
      const stoppedAt = Date.now();
      fleet = startRunnerFleet({
        sim: sim!,
        github,
        size: RUNNERS,
        label: LABEL,
        installationId: tenant.installationId,
        owner: tenant.repository.ownerLogin,
      });
      const simJobs = await completedOnGitHub(sim!, matrix.jobIds, OUTAGE_MS * 3);
      await fleet.stop();
      await sim!.control.drainDeliveries();

      const attempts = await sim!.control.deliveries();
      const refused = attempts.filter((d) => d.statusCode === null || d.statusCode >= 300);
      expect(refused).toEqual([]);
      const duringOutage = attempts.filter((d) => !sentBeforeStop.has(d.id));
      const jobEvents = (action: string) =>
        duringOutage.filter((d) => d.event === "workflow_job" && d.action === action).length;
      // Every job that ran started and completed during the outage; each delivery came twice.
      expect(jobEvents("in_progress")).toBe(2 * matrix.billable);
      expect(jobEvents("completed")).toBeGreaterThanOrEqual(2 * matrix.billable);
      // Accepted, not processed: the signals wait in the outbox, and no job that ran is
      // recorded as completed (only those cancelled before the outage may be).
      expect(await unsentSignals()).toBeGreaterThan(0);
      expect((await jobRows()).completed).toBeLessThanOrEqual(CANCELLED_BEFORE_START.length);

      const outageMs = Math.max(OUTAGE_MS, Date.now() - stoppedAt);
      await sleep(Math.max(0, stoppedAt + OUTAGE_MS - Date.now()));
      await temporal!.start();
      const restartedAt = Date.now();

      // Nothing is restarted or nudged here: the same worker process, the same relay and
      // the same client connection must find Temporal again by themselves.
      const usageEvents = await live.whileRunning(
        expectOutcomeMatchesGitHub({
          db,
          client,
          tenant,
          matrix,
          simJobs,
          pricePerMinute: PRICE,
          // Signals that failed during the outage wait out their backoff (capped at 30 s).
          timeoutMs: 120_000,
        }),
      );
      const recoveryMs = Date.now() - restartedAt;
      expect(live.running()).toBe(true);
      // Exactly once on the way in too: one recorded delivery per GUID, however often sent.
      const guids = new Set(attempts.map((d) => d.guid));
      const recorded = await db.selectFrom("webhook_deliveries").select("delivery_guid").execute();
      expect(recorded.map((r) => r.delivery_guid).sort()).toEqual([...guids].sort());

      console.info(
        `[temporal-outage] ${JOBS} jobs, ${guids.size} deliveries in ${attempts.length} attempts ` +
          `(${duringOutage.length} during the ${Math.round(outageMs / 1000)} s outage, all 2xx), ` +
          `${recordedAtStop}/${JOBS} jobs recorded when Temporal stopped, ` +
          `${intake?.relay?.stats().failedAttempts ?? 0} failed relay attempts, caught up ` +
          `${recoveryMs} ms after the restart; ${usageEvents} usage events, ${Date.now() - began} ms`,
      );
    },
  );
});
