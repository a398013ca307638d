import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import { createUsageActivities } from "./usage.js";
import { statementCsv, usageEventsCsv, usageEventsCsvHeader } from "../domain/billing-csv.js";
import { completedJob, createTenant, type Tenant } from "../storage/test-fixtures.js";
import { monthlyStatement, usageEventsPage } from "../storage/usage-statements.js";

// A month of usage written through recordUsage and runner instances ending, read back as
// a statement and as CSV, against figures computed by hand below.

let t: TestDatabase;
let tenant: Tenant;
let offeringRunner: string;
let customRunner: string;
const billedJobs: number[] = [];

const OFFERING = "linux-4cpu-golden";

async function runner(values: { name: string; offering?: string; cpu: string; memory: string }) {
  const row = await t.db
    .insertInto("runners")
    .values({
      workspace_id: tenant.workspaceId,
      project_id: tenant.projectId,
      installation_id: tenant.installationId,
      name: values.name,
      ...(values.offering === undefined
        ? { image: "registry.example.com/runner:1" }
        : { offering_id: values.offering }),
      cpu: values.cpu,
      memory: values.memory,
      max_runners: 5,
      namespace: "hangar-golden",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

async function job(owner: Tenant, runnerId: string, completedAt: string, runSeconds: number) {
  const completed = new Date(completedAt);
  const started = new Date(completed.getTime() - runSeconds * 1000);
  const row = await t.db
    .insertInto("jobs")
    .values(
      completedJob(owner, {
        runner_id: runnerId,
        runner_name: "a-runner",
        github_created_at: started,
        github_started_at: started,
        github_completed_at: completed,
      }),
    )
    .returning("github_job_id")
    .executeTakeFirstOrThrow();
  return Number(row.github_job_id);
}

async function endedInstance(
  name: string,
  runnerId: string,
  times: { created: string; registered: string; jobStarted?: string; ended: string },
) {
  await t.db
    .insertInto("runner_instances")
    .values({
      runner_id: runnerId,
      workspace_id: tenant.workspaceId,
      name,
      labels: [],
      state: "busy",
      created_at: times.created,
      registered_at: times.registered,
      job_started_at: times.jobStarted ?? null,
    })
    .execute();
  await t.db
    .updateTable("runner_instances")
    .set({ state: "terminated", terminated_at: times.ended })
    .where("name", "=", name)
    .execute();
}

beforeAll(async () => {
  t = await testDatabase();
  tenant = await createTenant(t.db);
  const other = await createTenant(t.db);
  await t.db
    .insertInto("runner_offerings")
    .values({
      id: OFFERING,
      name: "hangar-4cpu-golden",
      cpu: "4",
      memory: "16Gi",
      image_repository: "ghcr.io/actions/actions-runner",
      image_tag: "2.330.0",
      price_per_minute: "0.010000",
    })
    .execute();
  // The price history: 0.008 from March 1st, 0.010 from March 15th.
  await t.db.deleteFrom("runner_offering_prices").where("offering_id", "=", OFFERING).execute();
  await t.db
    .insertInto("runner_offering_prices")
    .values([
      {
        offering_id: OFFERING,
        effective_from: "2026-03-01T00:00:00Z",
        price_per_minute: "0.008",
        currency: "USD",
      },
      {
        offering_id: OFFERING,
        effective_from: "2026-03-15T00:00:00Z",
        price_per_minute: "0.010",
        currency: "USD",
      },
    ])
    .execute();
  offeringRunner = await runner({ name: "golden", offering: OFFERING, cpu: "4", memory: "16Gi" });
  // Default custom rates: 8 × 0.002 + 32 × 0.00025 = 0.024 a minute.
  customRunner = await runner({ name: "golden-custom", cpu: "8", memory: "32Gi" });

  const usage = createUsageActivities({ db: t.db });
  const jobs = [
    // March: 150 s → 3 min × 0.008 = 0.024
    await job(tenant, offeringRunner, "2026-03-10T12:02:30Z", 150),
    // 5 min × 0.024 (custom) = 0.120
    await job(tenant, customRunner, "2026-03-12T10:05:00Z", 300),
    // after the price change: 10 min × 0.010 = 0.100
    await job(tenant, offeringRunner, "2026-03-20T08:10:00Z", 600),
    // the month's last second: 61 s → 2 min × 0.010 = 0.020
    await job(tenant, offeringRunner, "2026-03-31T23:59:59Z", 61),
    // April and February: not in March's statement.
    await job(tenant, offeringRunner, "2026-04-01T00:00:30Z", 60),
    await job(tenant, offeringRunner, "2026-02-28T23:00:00Z", 60),
    // Another workspace's March job.
    await job(other, other.runnerId, "2026-03-10T12:00:00Z", 600),
  ];
  // Each recorded twice, as a replayed workflow would.
  for (const id of [...jobs, ...jobs]) await usage.recordUsage(id);
  billedJobs.push(...jobs.slice(0, 4));

  // 30 s boot, 30 s idle, 150 s busy.
  await endedInstance("golden-1", offeringRunner, {
    created: "2026-03-10T11:59:00Z",
    registered: "2026-03-10T11:59:30Z",
    jobStarted: "2026-03-10T12:00:00Z",
    ended: "2026-03-10T12:02:30Z",
  });
  // 60 s boot, 300 s busy.
  await endedInstance("golden-2", customRunner, {
    created: "2026-03-12T09:59:00Z",
    registered: "2026-03-12T10:00:00Z",
    jobStarted: "2026-03-12T10:00:00Z",
    ended: "2026-03-12T10:05:00Z",
  });
  // Ended in April.
  await endedInstance("golden-3", offeringRunner, {
    created: "2026-03-31T23:50:00Z",
    registered: "2026-03-31T23:51:00Z",
    ended: "2026-04-01T00:10:00Z",
  });
});

afterAll(async () => {
  await t.close();
});

describe("monthly statement", () => {
  it("adds up the month per offering from the daily totals, infrastructure time beside it", async () => {
    const statement = await monthlyStatement(t.db, {
      workspaceId: tenant.workspaceId,
      month: "2026-03",
    });
    const infra = (bootMs: number, idleMs: number, busyMs: number) => ({
      instances: 1,
      bootMs,
      idleMs,
      busyMs,
    });
    expect(statement).toEqual({
      workspaceId: tenant.workspaceId,
      from: "2026-03-01",
      to: "2026-04-01",
      lines: [
        {
          offeringId: OFFERING,
          offeringName: "hangar-4cpu-golden",
          currency: "USD",
          jobs: 3,
          startedMinutes: 15,
          billedSeconds: 900,
          amount: "0.144000",
          infra: infra(30_000, 30_000, 150_000),
        },
        {
          offeringId: null,
          offeringName: null,
          currency: "USD",
          jobs: 1,
          startedMinutes: 5,
          billedSeconds: 300,
          amount: "0.120000",
          infra: infra(60_000, 0, 300_000),
        },
      ],
      totals: [
        { currency: "USD", jobs: 4, startedMinutes: 20, billedSeconds: 1200, amount: "0.264000" },
      ],
      infra: { instances: 2, bootMs: 90_000, idleMs: 30_000, busyMs: 450_000 },
    });
  });

  it("renders as CSV", async () => {
    const statement = await monthlyStatement(t.db, {
      workspaceId: tenant.workspaceId,
      month: "2026-03",
    });
    expect(statementCsv(statement)).toBe(
      [
        "row,period_from,period_to,offering_id,offering_name,currency,jobs,started_minutes,billed_seconds,billed_minutes,amount,infra_instances,infra_boot_minutes,infra_idle_minutes,infra_busy_minutes,infra_minutes",
        "offering,2026-03-01,2026-04-01,linux-4cpu-golden,hangar-4cpu-golden,USD,3,15,900,15.00,0.144000,1,0.50,0.50,2.50,3.50",
        "offering,2026-03-01,2026-04-01,,,USD,1,5,300,5.00,0.120000,1,1.00,0.00,5.00,6.00",
        "total,2026-03-01,2026-04-01,,,USD,4,20,1200,20.00,0.264000,2,1.50,0.50,7.50,9.50",
        "",
      ].join("\r\n"),
    );
  });

  it("is empty for a month with nothing in it", async () => {
    const statement = await monthlyStatement(t.db, {
      workspaceId: tenant.workspaceId,
      month: "2026-05",
    });
    expect(statement.lines).toEqual([]);
    expect(statement.totals).toEqual([]);
    expect(statementCsv(statement).split("\r\n")[1]).toBe(
      "total,2026-05-01,2026-06-01,,,,0,0,0,0.00,0.000000,0,0.00,0.00,0.00,0.00",
    );
  });
});

describe("usage events export", () => {
  it("pages through the month's ledger in order, every event once", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page = await usageEventsPage(t.db, {
        workspaceId: tenant.workspaceId,
        from: "2026-03-01",
        to: "2026-04-01",
        after,
        limit: 3,
      });
      seen.push(usageEventsCsv(page.rows));
      after = page.next;
      pages += 1;
    } while (after !== null);

    expect(pages).toBe(2);
    const csv = seen.join("");
    const [first, second, third, fourth] = billedJobs;
    expect(usageEventsCsvHeader.join(",")).toBe(
      "occurred_at,github_job_id,project_id,runner_id,offering_id,repository,billed_seconds,started_minutes,unit_price,amount,currency",
    );
    const repository = await t.db
      .selectFrom("repositories")
      .select("full_name")
      .where("github_repository_id", "=", tenant.repositoryId)
      .executeTakeFirstOrThrow();
    const p = tenant.projectId;
    const r = repository.full_name;
    expect(csv).toBe(
      [
        `2026-03-10T12:02:30.000Z,${first},${p},${offeringRunner},${OFFERING},${r},180,3,0.008000,0.024000,USD`,
        `2026-03-12T10:05:00.000Z,${second},${p},${customRunner},,${r},300,5,0.024000,0.120000,USD`,
        `2026-03-20T08:10:00.000Z,${third},${p},${offeringRunner},${OFFERING},${r},600,10,0.010000,0.100000,USD`,
        `2026-03-31T23:59:59.000Z,${fourth},${p},${offeringRunner},${OFFERING},${r},120,2,0.010000,0.020000,USD`,
        "",
      ].join("\r\n"),
    );
  });
});
