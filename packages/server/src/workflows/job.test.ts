import { Worker } from "@temporalio/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@hangar/github-sim";
import {
  eventually,
  recordHistory,
  testDatabase,
  testTemporal,
  type TestDatabase,
  type TestTemporal,
} from "@hangar/testkit";
import { historiesDir, workflowsPath } from "../workflow-bundle.js";
import { createJobActivities } from "../activities/jobs.js";
import { jobEventArgs, seedTenant, type SeededTenant } from "../activities/jobs-fixtures.js";
import {
  createRecordingRunnerSide,
  createRunnerSideActivities,
} from "../activities/runner-side.js";
import { createUsageActivities } from "../activities/usage.js";
import type { JobEventArgs } from "../domain/signal-args.js";
import { jobSignals, workflowIds, workflowTypes } from "../domain/workflow-names.js";
import { createGitHubApp } from "../github/app-client.js";
import { recordDelivery } from "../intake/deliveries.js";
import { createOutboxRelay } from "../intake/outbox-relay.js";
import { createLogger } from "../observability/logger.js";
import { exactDailyUsage } from "../storage/usage-rollup.js";
import type { JobWorkflowResult } from "./job.js";

// The job workflow against real Temporal, PostgreSQL and the GitHub simulator, driven
// exactly as the outbox relay drives it: signal-with-start, no arguments.

let database: TestDatabase;
let temporal: TestTemporal;
let sim: Simulator;
let tenant: SeededTenant;
let worker: Worker;
let running: Promise<void>;
const runnerSide = createRecordingRunnerSide();
// Unique per run: Temporal outlives a test run, and a job id names a workflow.
let nextJobId = Date.now() * 100;

const at = (base: number, seconds: number) => new Date(base + seconds * 1000).toISOString();

beforeAll(async () => {
  [database, temporal, sim] = await Promise.all([
    testDatabase(),
    testTemporal(),
    startSimulator({ autoTick: true }),
  ]);
  const installation = await sim.control.createInstallation({
    account: { login: "acme", type: "Organization" },
    repositories: ["web"],
  });
  const repository = installation.repositories[0]!;
  tenant = await seedTenant(database.db, {
    installationId: installation.installationId,
    repository,
  });
  const github = createGitHubApp({
    apiUrl: sim.url,
    appId: sim.app.id,
    privateKeyPem: sim.app.privateKeyPem,
  });
  worker = await Worker.create({
    connection: temporal.workerConnection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    workflowsPath,
    activities: {
      ...createJobActivities({
        db: database.db,
        github,
        settings: { staleAfterMs: 2_000, completedGraceMs: 1_500 },
      }),
      ...createUsageActivities({ db: database.db }),
      ...createRunnerSideActivities({ runnerSide }),
    },
  });
  running = worker.run();
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await Promise.all([database.close(), temporal.close(), sim.close()]);
});

async function send(event: JobEventArgs): Promise<void> {
  await temporal.client.workflow.signalWithStart(workflowTypes.job, {
    workflowId: workflowIds.job(event.id),
    taskQueue: temporal.taskQueue,
    signal: jobSignals.jobEvent,
    signalArgs: [event],
    args: [],
  });
}

const result = (jobId: number) =>
  temporal.client.workflow.getHandle(workflowIds.job(jobId)).result() as Promise<JobWorkflowResult>;

const jobRow = (jobId: number) =>
  database.db
    .selectFrom("jobs")
    .selectAll()
    .where("github_job_id", "=", BigInt(jobId))
    .executeTakeFirst();

const usageRows = (jobId: number) =>
  database.db
    .selectFrom("usage_events")
    .selectAll()
    .where("github_job_id", "=", BigInt(jobId))
    .execute();

const demandsOf = (jobId: number) =>
  runnerSide.calls.flatMap((c) => (c.op === "jobDemand" && c.jobId === jobId ? [c.kind] : []));

/** The simulator numbers jobs the same way every run: end a left-over workflow. */
async function clearLeftOver(jobId: number): Promise<void> {
  const leftOver = temporal.client.workflow.getHandle(workflowIds.job(jobId));
  if ((await leftOver.describe().catch(() => undefined))?.status.name === "RUNNING") {
    await leftOver.terminate("left over from an earlier test run");
  }
}

/** A job of the simulator, and its queued event as the intake would build it. */
async function simulatedJob(spec: { environment?: string }, overrides: Partial<JobEventArgs>) {
  const run = await sim.control.queueWorkflowRun({
    repository: tenant.repository.fullName,
    jobs: [{ name: "deploy", labels: ["hangar-4cpu"], ...spec }],
  });
  const jobId = run.jobIds[0]!;
  await clearLeftOver(jobId);
  const view = (await sim.control.jobs()).find((j) => j.id === jobId)!;
  return jobEventArgs(tenant, {
    id: jobId,
    runId: view.runId,
    createdAt: view.createdAt,
    labels: view.labels,
    headSha: view.headSha,
    ...overrides,
  });
}

const sentRows = async (jobId: number): Promise<number> =>
  (
    await database.db
      .selectFrom("signal_outbox")
      .select("id")
      .where("workflow_id", "=", workflowIds.job(jobId))
      .where("sent_at", "is not", null)
      .execute()
  ).length;

/** Polls until the check returns true. */
const until = (what: string, check: () => Promise<boolean>) =>
  eventually(what, async () => ((await check()) ? true : undefined), 30_000);

/** A job's three events, 2 min 1 s of run time; times after the seeded price took effect. */
function lifecycle(overrides: Partial<JobEventArgs> = {}) {
  nextJobId += 1;
  const base = Date.now() + 5_000;
  const queued = jobEventArgs(tenant, { id: nextJobId, createdAt: at(base, 0), ...overrides });
  const runner = {
    runnerId: 42,
    runnerName: "hangar-4cpu-abc",
    runnerGroupId: 1,
    runnerGroupName: "Default",
  };
  const inProgress: JobEventArgs = {
    ...queued,
    ...runner,
    action: "in_progress",
    status: "in_progress",
    startedAt: at(base, 10),
  };
  const completed: JobEventArgs = {
    ...inProgress,
    action: "completed",
    status: "completed",
    conclusion: "success",
    completedAt: at(base, 131),
  };
  return { queued, inProgress, completed, base };
}

describe("job workflow", () => {
  it("turns shuffled, duplicated events into GitHub's final state and one usage event", async () => {
    const { queued, inProgress, completed, base } = lifecycle();
    for (const event of [completed, queued, inProgress, completed, queued]) await send(event);
    const outcome = await result(queued.id);
    expect(outcome).toMatchObject({
      outcome: "completed",
      usage: { kind: "recorded", minutes: 3, unitPrice: "0.008000", amount: "0.024000" },
    });

    const row = await jobRow(queued.id);
    expect(row).toMatchObject({
      status: "completed",
      conclusion: "success",
      runner_name: "hangar-4cpu-abc",
      runner_id: tenant.runnerId,
      queue_seconds: 10,
      run_seconds: 121,
    });
    expect(row?.github_created_at.toISOString()).toBe(at(base, 0));
    expect(row?.github_started_at?.toISOString()).toBe(at(base, 10));
    expect(row?.github_completed_at?.toISOString()).toBe(at(base, 131));
    const usage = await usageRows(queued.id);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({
      billable_minutes: 3,
      unit_price: "0.008000",
      amount: "0.024000",
    });
    // Completed came first: the job was never demand.
    expect(demandsOf(queued.id)).toEqual(["finished"]);
    await recordHistory(temporal.client, workflowIds.job(queued.id), historiesDir, "job-shuffled");
  });

  it("tells the pool queued, then started, and ignores a replay after the end", async () => {
    const { queued, inProgress, completed } = lifecycle();
    for (const event of [queued, queued, inProgress, completed]) await send(event);
    await result(queued.id);
    // Finished would tell the pool nothing once it has heard the job started.
    expect(demandsOf(queued.id)).toEqual(["queued", "started"]);
    const daily = await database.db
      .selectFrom(exactDailyUsage(database.db))
      .selectAll()
      .where("workspace_id", "=", tenant.workspaceId)
      .execute();
    const before = daily.reduce((sum, d) => sum + d.job_count, 0);

    // The workflow has ended: a redelivered completed starts a new run of the same id.
    await send(completed);
    expect(await result(queued.id)).toMatchObject({
      outcome: "already-completed",
      usage: { kind: "already-recorded" },
    });
    expect(await usageRows(queued.id)).toHaveLength(1);
    const after = await database.db
      .selectFrom(exactDailyUsage(database.db))
      .selectAll()
      .where("workspace_id", "=", tenant.workspaceId)
      .execute();
    expect(after.reduce((sum, d) => sum + d.job_count, 0)).toBe(before);
  });

  it("records a skipped job and a job cancelled before start without usage", async () => {
    const skipped = lifecycle();
    const skippedAt = skipped.queued.createdAt;
    await send({
      ...skipped.queued,
      action: "completed",
      status: "completed",
      conclusion: "skipped",
      startedAt: skippedAt,
      completedAt: skippedAt,
    });
    const cancelled = lifecycle();
    await send(cancelled.queued);
    await send({
      ...cancelled.queued,
      action: "completed",
      status: "completed",
      conclusion: "cancelled",
      completedAt: at(cancelled.base, 30),
    });
    expect(await result(skipped.queued.id)).toMatchObject({
      usage: { kind: "not-billable", reason: "skipped" },
    });
    expect(await result(cancelled.queued.id)).toMatchObject({
      usage: { kind: "not-billable", reason: "no runner took the job" },
    });
    expect(await jobRow(skipped.queued.id)).toMatchObject({
      status: "completed",
      conclusion: "skipped",
    });
    expect(await jobRow(cancelled.queued.id)).toMatchObject({
      status: "completed",
      conclusion: "cancelled",
      runner_name: null,
    });
    expect(await usageRows(skipped.queued.id)).toHaveLength(0);
    expect(await usageRows(cancelled.queued.id)).toHaveLength(0);
  });

  it("records nothing for a job no runner configuration serves", async () => {
    const { queued } = lifecycle({ labels: ["ubuntu-latest"] });
    await send(queued);
    expect(await result(queued.id)).toEqual({
      outcome: "ignored",
      reason: "no runner configuration",
    });
    expect(await jobRow(queued.id)).toBeUndefined();
    expect(demandsOf(queued.id)).toEqual([]);
  });

  it("re-checks a job queued too long against GitHub and records what it missed", async () => {
    const run = await sim.control.queueWorkflowRun({
      repository: tenant.repository.fullName,
      jobs: [{ name: "build", labels: ["hangar-4cpu"] }],
    });
    const jobId = run.jobIds[0]!;
    await clearLeftOver(jobId);
    const view = (await sim.control.jobs()).find((j) => j.id === jobId)!;
    // Only the queued event reaches Hangar; the cancellation's webhook is lost.
    await send(
      jobEventArgs(tenant, {
        id: jobId,
        runId: view.runId,
        createdAt: view.createdAt,
        labels: view.labels,
        headSha: view.headSha,
      }),
    );
    await sim.control.cancelJob(jobId);
    expect(await result(jobId)).toMatchObject({
      outcome: "completed",
      usage: { kind: "not-billable" },
    });
    const row = await jobRow(jobId);
    expect(row).toMatchObject({ status: "completed", conclusion: "cancelled" });
    expect(row?.stale_checked_at).not.toBeNull();
  });

  it("processes a job's next event after an earlier one was ignored for a reason that passed", async () => {
    // Through the relay, which decides whether a finished workflow may start again.
    const relay = createOutboxRelay({
      db: database.db,
      temporal: { client: temporal.client, taskQueue: temporal.taskQueue },
      logger: createLogger({ level: "silent" }),
      pollIntervalMs: 100,
    });
    const relayed = (event: JobEventArgs) =>
      recordDelivery(
        database,
        {
          deliveryGuid: `job-${event.id}-${event.action}`,
          event: "workflow_job",
          action: event.action,
          installationId: event.installationId,
          hookId: null,
          targetType: null,
          targetId: null,
          payloadBytes: 2,
          payloadJson: null,
          status: "routed",
          statusReason: null,
        },
        [
          {
            workflowId: workflowIds.job(event.id),
            workflowType: workflowTypes.job,
            signalName: jobSignals.jobEvent,
            args: event,
          },
        ],
      );
    const { queued, inProgress, completed } = lifecycle({
      labels: ["self-hosted", "hangar-4cpu", "gpu"],
    });
    await relay.start();
    try {
      // No runner configuration serves "gpu" yet.
      await relayed(queued);
      await until("the first event relayed", async () => (await sentRows(queued.id)) === 1);
      expect(await result(queued.id)).toEqual({
        outcome: "ignored",
        reason: "no runner configuration",
      });
      await database.db
        .updateTable("runners")
        .set({ labels: ["gpu"] })
        .where("id", "=", tenant.runnerId)
        .execute();
      await relayed(inProgress);
      await until(
        "the next event recorded",
        async () => (await jobRow(queued.id))?.status === "in_progress",
      );
      await relayed(completed);
      await until(
        "the job completed",
        async () => (await jobRow(queued.id))?.status === "completed",
      );
      expect(await result(queued.id)).toMatchObject({
        outcome: "completed",
        usage: { kind: "recorded" },
      });
      const outbox = await database.db
        .selectFrom("signal_outbox")
        .select(["sent_at", "last_error"])
        .where("workflow_id", "=", workflowIds.job(queued.id))
        .orderBy("id")
        .execute();
      // Each event started or reached a run; none was dropped as "already completed".
      expect(outbox.map((r) => [r.sent_at !== null, r.last_error])).toEqual([
        [true, null],
        [true, null],
        [true, null],
      ]);
      // Finished would tell the pool nothing once it has heard the job started.
      expect(demandsOf(queued.id)).toEqual(["started"]);
    } finally {
      await relay.stop();
      await database.db
        .updateTable("runners")
        .set({ labels: [] })
        .where("id", "=", tenant.runnerId)
        .execute();
    }
  });

  it("opens no demand for a deployment job while GitHub holds it for an approval", async () => {
    const queued = await simulatedJob({ environment: "production" }, { hasDeployment: true });
    await send(queued);
    // GitHub's answer to the check: waiting, recorded as such, and no runner wanted.
    await until(
      "the job recorded as waiting",
      async () => (await jobRow(queued.id))?.status === "waiting",
    );
    expect(demandsOf(queued.id)).toEqual([]);

    await sim.control.approveEnvironment(queued.id);
    // The queued event GitHub sends after the approval: the check now says queued.
    await send(queued);
    await until("demand opened", () => Promise.resolve(demandsOf(queued.id).length > 0));
    expect(demandsOf(queued.id)).toEqual(["queued"]);

    await sim.control.cancelJob(queued.id);
    await send({
      ...queued,
      action: "completed",
      status: "completed",
      conclusion: "cancelled",
      completedAt: new Date().toISOString(),
    });
    expect(await result(queued.id)).toMatchObject({
      outcome: "completed",
      usage: { kind: "not-billable" },
    });
    expect(demandsOf(queued.id)).toEqual(["queued", "finished"]);
    await recordHistory(
      temporal.client,
      workflowIds.job(queued.id),
      historiesDir,
      "job-deployment-approval",
    );
  });

  it("opens demand at once for a deployment job GitHub has queued (no protection rules)", async () => {
    const queued = await simulatedJob({}, { hasDeployment: true });
    await send(queued);
    await until("demand opened", () => Promise.resolve(demandsOf(queued.id).length > 0));
    expect(demandsOf(queued.id)).toEqual(["queued"]);
    expect((await jobRow(queued.id))?.stale_checked_at).not.toBeNull();
    await sim.control.cancelJob(queued.id);
    await send({
      ...queued,
      action: "completed",
      status: "completed",
      conclusion: "cancelled",
      completedAt: new Date().toISOString(),
    });
    await result(queued.id);
  });
});
