import type { DeliveryView, JobView, Simulator } from "@hangar/github-sim";
import { eventually } from "@hangar/testkit";
import type { Client } from "@temporalio/client";
import type { Kysely } from "kysely";
import { expect } from "vitest";
import type { SeededTenant } from "../src/activities/jobs-fixtures.js";
import { createRedeliveryActivities } from "../src/activities/redelivery.js";
import { formatMicros, parseMicros } from "../src/domain/billing.js";
import { workflowIds, workflowTypes } from "../src/domain/workflow-names.js";
import type { GitHubApp } from "../src/github/types.js";
import type { Database } from "../src/storage/schema.js";
import { exactDailyUsage } from "../src/storage/usage-rollup.js";
import { usageStatement } from "../src/storage/usage-statements.js";
import type { JobMatrix } from "./job-matrix.js";

// Test-only: how the pipeline tests wait for a job matrix to settle, and the end state
// they all demand, whatever fault was injected on the way: Hangar's records equal
// GitHub's view, each billable job is billed exactly once, and nothing is left open.

/** Waits until GitHub has completed every job of the matrix, and returns them. */
export async function completedOnGitHub(
  sim: Simulator,
  jobIds: readonly number[],
  timeoutMs: number,
): Promise<JobView[]> {
  const wanted = new Set(jobIds);
  return eventually(
    "every job completed on GitHub",
    async () => {
      const jobs = (await sim.control.jobs()).filter((j) => wanted.has(j.id));
      return jobs.length === wanted.size && jobs.every((j) => j.status === "completed")
        ? jobs
        : undefined;
    },
    timeoutMs,
  );
}

export interface Redelivery {
  /** Every delivery attempt the simulator made, redeliveries included. */
  attempts: DeliveryView[];
  dropped: number;
  redelivered: number;
  rounds: number;
}

/**
 * The redelivery reconciler's rounds, as its workflow would run them, until no dropped
 * delivery is left unrecorded; then checks that exactly the dropped ones were redelivered.
 */
export async function redeliverDropped(
  sim: Simulator,
  db: Kysely<Database>,
  github: GitHubApp,
): Promise<Redelivery> {
  await sim.control.drainDeliveries();
  const reconciler = createRedeliveryActivities({ db, github });
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
  return { attempts, dropped: dropped.size, redelivered, rounds };
}

const isoSeconds = (date: Date | null) => date?.toISOString().replace(/\.\d{3}Z$/, "Z") ?? null;

/** Execution statuses of every workflow of `type` in the client's namespace. */
async function executionsOf(client: Client, type: string): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for await (const execution of client.workflow.list({ query: `WorkflowType = '${type}'` })) {
    found.set(execution.workflowId, [
      ...(found.get(execution.workflowId) ?? []),
      execution.status.name,
    ]);
  }
  return found;
}

/** The workflow types the webhook pipeline starts. */
const pipelineTypes: ReadonlySet<string> = new Set([
  workflowTypes.installation,
  workflowTypes.job,
  workflowTypes.run,
  workflowTypes.workflowFiles,
]);

async function openPipelineWorkflows(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of client.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
    if (pipelineTypes.has(execution.type)) ids.push(execution.workflowId);
  }
  return ids.sort();
}

/**
 * Asserts the end state of a settled matrix: every job row equals GitHub's job, one
 * usage event per billable job with the right amount (and daily totals to match), every
 * signal sent, every job workflow completed, and no pipeline workflow open but those
 * that outlive the run by design. Returns the number of usage events.
 */
export async function expectOutcomeMatchesGitHub(input: {
  db: Kysely<Database>;
  /** A client of the namespace the pipeline ran in (and only it). */
  client: Client;
  tenant: SeededTenant;
  matrix: JobMatrix;
  /** GitHub's final view of the matrix's jobs. */
  simJobs: readonly JobView[];
  pricePerMinute: string;
  /** How long each part of the end state may take to appear (a recovering pipeline lags). */
  timeoutMs?: number;
}): Promise<number> {
  const { db, client, tenant, matrix, simJobs, pricePerMinute } = input;
  const timeoutMs = input.timeoutMs ?? 60_000;
  const rows = await eventually(
    "every job row completed",
    async () => {
      const found = await db
        .selectFrom("jobs")
        .selectAll()
        .where("installation_id", "=", BigInt(tenant.installationId))
        .execute();
      const done = found.filter((r) => r.status === "completed");
      return done.length === matrix.jobIds.length ? found : undefined;
    },
    timeoutMs,
  );
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
  expect(billable.size).toBe(matrix.billable);

  const events = await eventually(
    "one usage event per billable job",
    async () => {
      const found = await db
        .selectFrom("usage_events")
        .selectAll()
        .where("workspace_id", "=", tenant.workspaceId)
        .execute();
      return found.length >= billable.size ? found : undefined;
    },
    timeoutMs,
  );
  const byJob = (x: { job: number }, y: { job: number }) => x.job - y.job;
  const charged = events.map((e) => ({
    job: Number(e.github_job_id),
    minutes: e.billable_minutes,
    seconds: e.billable_seconds,
    amount: e.amount,
  }));
  const due = [...billable].map(([job, minutes]) => ({
    job,
    minutes,
    seconds: minutes * 60,
    amount: usageAmount(minutes, pricePerMinute),
  }));
  expect(charged.sort(byJob)).toEqual(due.sort(byJob));
  // The daily totals as statements see them: rolled up, plus what is still queued.
  const daily = await db
    .selectFrom(exactDailyUsage(db))
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
  expect(Number(daily.amount)).toBeCloseTo(Number(usageAmount(minutes, pricePerMinute)), 6);
  // The statement over the days billed adds up to the same, to the micro-unit.
  const days = events.map((e) => e.occurred_at.toISOString().slice(0, 10)).sort();
  const lastDay = new Date(`${days.at(-1) ?? "1970-01-01"}T00:00:00Z`);
  lastDay.setUTCDate(lastDay.getUTCDate() + 1);
  const statement = await usageStatement(db, {
    workspaceId: tenant.workspaceId,
    from: days[0] ?? "1970-01-01",
    to: lastDay.toISOString().slice(0, 10),
  });
  expect(statement.totals).toEqual([
    {
      currency: "USD",
      jobs: billable.size,
      startedMinutes: minutes,
      billedSeconds: minutes * 60,
      amount: usageAmount(minutes, pricePerMinute),
    },
  ]);

  // Every signal reached Temporal. Waited for first: until then a late event could still
  // start or wake a workflow, and the checks below would race with it.
  let unsent: bigint[] = [];
  await eventually(
    "no outbox row left unsent",
    async () => {
      const rows = await db
        .selectFrom("signal_outbox")
        .select("id")
        .where("sent_at", "is", null)
        .execute();
      unsent = rows.map((r) => r.id);
      return unsent.length === 0 ? true : undefined;
    },
    timeoutMs,
  ).catch(() => undefined);
  expect(unsent).toEqual([]);

  // Every execution of every job's workflow completed: none failed, none is still open.
  // A late duplicate may start a short extra execution that finds its job completed;
  // the usage ledger's unique key, checked above, is what keeps billing exactly once.
  const jobIds = matrix.jobIds.map((id) => workflowIds.job(id)).sort();
  const jobExecutions = await eventually(
    "every job workflow closed",
    async () => {
      const found = await executionsOf(client, workflowTypes.job);
      const closed = [...found.values()].every((s) => s.every((status) => status !== "RUNNING"));
      return found.size >= jobIds.length && closed ? found : undefined;
    },
    timeoutMs,
  );
  expect([...jobExecutions.keys()].sort()).toEqual(jobIds);
  const notCompleted = [...jobExecutions].filter(([, s]) => s.some((x) => x !== "COMPLETED"));
  expect(notCompleted).toEqual([]);

  // Of the pipeline's workflows, the installation's lives as long as the installation,
  // and the run's absorbs late duplicates for a fixed minute after the run completed.
  // Nothing else may be open. (Runner provisioning's workflows are not the subject here:
  // the tests' own fleet stands in for the runners.)
  const { runId, runAttempt } = matrix.run;
  const outliving = new Set([
    workflowIds.installation(tenant.installationId),
    workflowIds.run(runId, runAttempt),
  ]);
  let lingering: string[] = [];
  await eventually(
    "no pipeline workflow left open",
    async () => {
      lingering = (await openPipelineWorkflows(client)).filter((id) => !outliving.has(id));
      return lingering.length === 0 ? true : undefined;
    },
    timeoutMs,
  ).catch(() => undefined);
  expect(lingering).toEqual([]);
  await eventually(
    "the run recorded as completed",
    async () => {
      const found = await db
        .selectFrom("workflow_runs")
        .select(["status"])
        .where("github_run_id", "=", BigInt(runId))
        .where("run_attempt", "=", runAttempt)
        .executeTakeFirst();
      return found?.status === "completed" ? found : undefined;
    },
    timeoutMs,
  );

  // The installation workflow's upsert kept the workspace link seedTenant wrote.
  const link = await db
    .selectFrom("github_installations")
    .select("workspace_id")
    .where("installation_id", "=", BigInt(tenant.installationId))
    .executeTakeFirstOrThrow();
  expect(link.workspace_id).toBe(tenant.workspaceId);
  return events.length;
}

/** The expected bill, computed here independently of the ledger's SQL: started minutes. */
function billableMinutes(runMs: number): number {
  return Math.ceil(runMs / 60_000);
}

/** minutes × price, exact in micro-units. */
function usageAmount(minutes: number, pricePerMinute: string): string {
  return formatMicros(BigInt(minutes) * parseMicros(pricePerMinute));
}
