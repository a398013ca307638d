import { Worker } from "@temporalio/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@hangar/github-sim";
import {
  eventually,
  testDatabase,
  testTemporal,
  type TestDatabase,
  type TestTemporal,
} from "@hangar/testkit";
import { createInstallationActivities } from "../src/activities/installation.js";
import { createJobActivities } from "../src/activities/jobs.js";
import { seedTenant, type SeededTenant } from "../src/activities/jobs-fixtures.js";
import { createRedeliveryActivities } from "../src/activities/redelivery.js";
import {
  createRecordingRunnerSide,
  createRunnerSideActivities,
} from "../src/activities/runner-side.js";
import { createRunActivities } from "../src/activities/runs.js";
import { createUsageActivities } from "../src/activities/usage.js";
import { createWorkflowFileActivities } from "../src/activities/workflow-files.js";
import { billableMinutes, usageAmount } from "../src/domain/billing.js";
import { workflowIds } from "../src/domain/workflow-names.js";
import { createGitHubApp } from "../src/github/app-client.js";
import type { GitHubApp } from "../src/github/types.js";
import { startIntake, type RunningIntake } from "../src/main/intake.js";
import { createLogger } from "../src/observability/logger.js";
import { workflowsPath } from "../src/workflow-bundle.js";
import { isolatedNamespace, type IsolatedNamespace } from "./isolated-namespace.js";
import { startRunnerFleet, type RunnerFleet } from "./runner-fleet.js";

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
  const installation = await sim.control.createInstallation({
    account: { login: "acme", type: "Organization" },
    repositories: ["web"],
  });
  // seedTenant writes the github_installations row with the workspace link; the
  // installation workflow's upsert then keeps that link (it never writes it).
  tenant = await seedTenant(database.db, {
    installationId: installation.installationId,
    repository: installation.repositories[0]!,
    runnerName: LABEL,
    pricePerMinute: PRICE,
  });
  github = createGitHubApp({
    apiUrl: sim.url,
    appId: sim.app.id,
    privateKeyPem: sim.app.privateKeyPem,
  });
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
  intake = await startIntake({
    db,
    pool: database.pool,
    temporalClient: isolated.client,
    taskQueue: temporal.taskQueue,
    logger: createLogger({ level: "silent" }),
    webhookSecrets: [sim.app.webhookSecret],
    maxBodyBytes: 25 * 1024 * 1024,
    host: "127.0.0.1",
    port: 0,
    pruneIntervalMs: 0,
  });
  await sim.control.setChaos({ duplicate: 1, reorder: true, drop: 0.1, seed: 2026 });
  await sim.control.setWebhookUrl(`${intake.url}/webhooks/github`);
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

const isoSeconds = (date: Date | null) => date?.toISOString().replace(/\.\d{3}Z$/, "Z") ?? null;

describe("the webhook-to-billing pipeline", () => {
  it("ends with jobs, usage and workflows equal to GitHub's view despite chaos", async () => {
    const began = Date.now();
    const queued = await sim.control.queueWorkflowRun({
      repository: tenant.repository.fullName,
      // At least 1 s of run time, so second-precision timestamps always differ.
      jobs: Array.from({ length: JOBS }, (_, i) => ({
        name: `job-${i}`,
        labels: [LABEL],
        durationMs: 1_000 + (i % 5) * 100,
        conclusion: i % 7 === 0 ? ("failure" as const) : ("success" as const),
      })),
    });
    // No runner exists yet, so these are cancelled before any runner could start them.
    for (const i of CANCELLED_BEFORE_START) await sim.control.cancelJob(queued.jobIds[i]!);
    fleet = startRunnerFleet({
      sim,
      github,
      size: RUNNERS,
      label: LABEL,
      installationId: tenant.installationId,
      owner: tenant.repository.ownerLogin,
    });
    const jobIds = new Set(queued.jobIds);
    const simJobs = await eventually(
      "every job completed on GitHub",
      async () => {
        const jobs = (await sim.control.jobs()).filter((j) => jobIds.has(j.id));
        return jobs.every((j) => j.status === "completed") ? jobs : undefined;
      },
      150_000,
    );
    await fleet.stop();
    await sim.control.drainDeliveries();

    // The reconciler's rounds, as the workflow would run them, until nothing is missing.
    const reconciler = createRedeliveryActivities({ db: database.db, github });
    let redelivered = 0;
    let rounds = 0;
    await eventually("no dropped delivery left unrecorded", async () => {
      const counts = await reconciler.redeliverFailedDeliveries();
      await sim.control.drainDeliveries();
      rounds += 1;
      redelivered += counts.redelivered;
      return counts.failed === counts.alreadyRecorded && counts.redelivered === 0
        ? counts
        : undefined;
    });

    const attempts = await sim.control.deliveries();
    const dropped = new Set(attempts.filter((d) => d.status === "dropped").map((d) => d.guid));
    const redeliveredGuids = attempts.filter((d) => d.redelivery).map((d) => d.guid);
    expect(redeliveredGuids.length).toBe(dropped.size);
    expect(new Set(redeliveredGuids)).toEqual(dropped);
    expect(redelivered).toBe(dropped.size);

    const rows = await eventually("every job row completed", async () => {
      const found = await database.db
        .selectFrom("jobs")
        .selectAll()
        .where("installation_id", "=", BigInt(tenant.installationId))
        .execute();
      const done = found.filter((r) => r.status === "completed");
      return done.length === JOBS ? found : undefined;
    });
    const rowById = new Map(rows.map((r) => [Number(r.github_job_id), r]));
    const billable = new Map<number, number>();
    for (const job of simJobs) {
      const row = rowById.get(job.id);
      expect({
        id: job.id,
        status: row?.status,
        conclusion: row?.conclusion,
        startedAt: isoSeconds(row?.github_started_at ?? null),
        completedAt: isoSeconds(row?.github_completed_at ?? null),
        runnerName: row?.runner_name,
      }).toEqual({
        id: job.id,
        status: "completed",
        conclusion: job.conclusion,
        // GitHub's started_at is never null: created_at until a runner starts the job.
        startedAt: job.startedAt ?? job.createdAt,
        completedAt: job.completedAt,
        runnerName: job.runnerName,
      });
      if (job.runnerName !== null && job.startedAt !== null && job.completedAt !== null) {
        const runMs = Date.parse(job.completedAt) - Date.parse(job.startedAt);
        if (runMs > 0) billable.set(job.id, billableMinutes(runMs));
      }
    }
    expect(billable.size).toBe(JOBS - CANCELLED_BEFORE_START.length);

    const events = await eventually("one usage event per billable job", async () => {
      const found = await database.db
        .selectFrom("usage_events")
        .selectAll()
        .where("workspace_id", "=", tenant.workspaceId)
        .execute();
      return found.length >= billable.size ? found : undefined;
    });
    expect(events.map((e) => Number(e.github_job_id)).sort()).toEqual([...billable.keys()].sort());
    for (const event of events) {
      const minutes = billable.get(Number(event.github_job_id))!;
      expect(event.billable_minutes).toBe(minutes);
      expect(event.amount).toBe(usageAmount(minutes, PRICE));
    }
    const daily = await database.db
      .selectFrom("usage_daily")
      .select((eb) => [
        eb.fn.sum<string>("job_count").as("jobs"),
        eb.fn.sum<string>("minutes").as("minutes"),
        eb.fn.sum<string>("amount").as("amount"),
      ])
      .where("workspace_id", "=", tenant.workspaceId)
      .executeTakeFirstOrThrow();
    const minutes = [...billable.values()].reduce((a, b) => a + b, 0);
    expect(Number(daily.jobs)).toBe(events.length);
    expect(Number(daily.minutes)).toBe(minutes);
    expect(Number(daily.amount)).toBeCloseTo(Number(usageAmount(minutes, PRICE)), 6);

    await eventually("every job workflow completed", async () => {
      const statuses = await Promise.all(
        [...jobIds].map(async (id) => {
          const handle = isolated.client.workflow.getHandle(workflowIds.job(id));
          return (await handle.describe()).status.name;
        }),
      );
      return statuses.every((s) => s === "COMPLETED") ? true : undefined;
    });
    const unsent = await database.db
      .selectFrom("signal_outbox")
      .select("id")
      .where("sent_at", "is", null)
      .execute();
    expect(unsent).toEqual([]);

    // The installation workflow's upsert kept the workspace link seedTenant wrote.
    const link = await database.db
      .selectFrom("github_installations")
      .select("workspace_id")
      .where("installation_id", "=", BigInt(tenant.installationId))
      .executeTakeFirstOrThrow();
    expect(link.workspace_id).toBe(tenant.workspaceId);

    const guids = new Set(attempts.map((d) => d.guid)).size;
    const firstAttempts = attempts.filter((d) => !d.redelivery).length;
    console.info(
      `[pipeline] ${JOBS} jobs, ${guids} deliveries, ${firstAttempts - guids} duplicates, ` +
        `${dropped.size} dropped, ${redelivered} redelivered in ${rounds} rounds, ` +
        `${fleet.registered()} runners, ${events.length} usage events, ${Date.now() - began} ms`,
    );
  });
});
