import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import { completedJob, createTenant, type Tenant } from "../storage/test-fixtures.js";
import { rollUpAllUsage } from "../storage/usage-rollup.js";
import { createUsageActivities } from "./usage.js";

// recordUsage against real PostgreSQL: exactly one event per job under concurrent
// duplicate calls, the price in effect when the job completed, the rounding modes, and
// custom runners priced from their size.

let t: TestDatabase;

beforeAll(async () => {
  t = await testDatabase();
});

afterAll(async () => {
  await t.close();
});

/** A completed job of the tenant that ran from 12:00:00 for `runSeconds`, completing on `day`. */
async function jobThatRan(
  tenant: Tenant,
  runSeconds: number,
  day = "2026-03-10",
  runnerId = tenant.runnerId,
): Promise<number> {
  const started = new Date(`${day}T12:00:00Z`);
  const row = await t.db
    .insertInto("jobs")
    .values(
      completedJob(tenant, {
        runner_id: runnerId,
        runner_name: "hangar-4cpu-abc",
        github_created_at: started,
        github_started_at: started,
        github_completed_at: new Date(started.getTime() + runSeconds * 1000),
      }),
    )
    .returning("github_job_id")
    .executeTakeFirstOrThrow();
  return Number(row.github_job_id);
}

/** The tenant's daily totals once every queued event has been rolled up. */
async function daily(tenant: Tenant) {
  await rollUpAllUsage(t.db);
  return t.db
    .selectFrom("usage_daily")
    .select(["day", "offering_id", "job_count", "minutes", "seconds", "amount"])
    .where("workspace_id", "=", tenant.workspaceId)
    .orderBy("day")
    .execute();
}

describe("recordUsage", () => {
  it("writes one event and counts it once in the daily totals under 20 concurrent calls", async () => {
    const tenant = await createTenant(t.db);
    const usage = createUsageActivities({ db: t.db, pool: t.pool });
    const jobId = await jobThatRan(tenant, 150);

    const results = await Promise.all(Array.from({ length: 20 }, () => usage.recordUsage(jobId)));

    expect(results.filter((r) => r.kind === "recorded")).toHaveLength(1);
    expect(results.filter((r) => r.kind === "already-recorded")).toHaveLength(19);
    const events = await t.db
      .selectFrom("usage_events")
      .select(["billable_minutes", "billable_seconds", "unit_price", "amount"])
      .where("github_job_id", "=", BigInt(jobId))
      .execute();
    // 2m30s → 3 started minutes at 0.008.
    expect(events).toEqual([
      { billable_minutes: 3, billable_seconds: 180, unit_price: "0.008000", amount: "0.024000" },
    ]);
    expect(await daily(tenant)).toEqual([
      {
        day: "2026-03-10",
        offering_id: tenant.offeringId,
        job_count: 1,
        minutes: 3,
        seconds: 180n,
        amount: "0.024000",
      },
    ]);
  });

  it("bills each job at the price in effect when it completed, across a mid-month change", async () => {
    const tenant = await createTenant(t.db, { pricePerMinute: "0.008000" });
    // The offering's creation recorded its first price at now(); pin the history to March.
    await t.db
      .deleteFrom("runner_offering_prices")
      .where("offering_id", "=", tenant.offeringId)
      .execute();
    await t.db
      .insertInto("runner_offering_prices")
      .values([
        {
          offering_id: tenant.offeringId,
          effective_from: "2026-03-01T00:00:00Z",
          price_per_minute: "0.008000",
          currency: "USD",
        },
        {
          offering_id: tenant.offeringId,
          effective_from: "2026-03-15T00:00:00Z",
          price_per_minute: "0.010000",
          currency: "USD",
        },
      ])
      .execute();
    const usage = createUsageActivities({ db: t.db, pool: t.pool });
    // 12:00:00 + 10 min on the 14th: before the change. On the 15th: after it.
    const before = await jobThatRan(tenant, 600, "2026-03-14");
    const after = await jobThatRan(tenant, 600, "2026-03-15");
    // Completed 2026-03-14T23:59:59Z, one second before the change: the old price.
    const edge = Number(
      (
        await t.db
          .insertInto("jobs")
          .values(
            completedJob(tenant, {
              runner_name: "hangar-4cpu-abc",
              github_created_at: "2026-03-14T23:58:00Z",
              github_started_at: "2026-03-14T23:58:00Z",
              github_completed_at: "2026-03-14T23:59:59Z",
            }),
          )
          .returning("github_job_id")
          .executeTakeFirstOrThrow()
      ).github_job_id,
    );

    expect(await usage.recordUsage(before)).toMatchObject({
      kind: "recorded",
      minutes: 10,
      unitPrice: "0.008000",
      amount: "0.080000",
    });
    expect(await usage.recordUsage(after)).toMatchObject({
      kind: "recorded",
      minutes: 10,
      unitPrice: "0.010000",
      amount: "0.100000",
    });
    expect(await usage.recordUsage(edge)).toMatchObject({
      kind: "recorded",
      minutes: 2,
      unitPrice: "0.008000",
      amount: "0.016000",
    });
    expect(await daily(tenant)).toEqual([
      {
        day: "2026-03-14",
        offering_id: tenant.offeringId,
        job_count: 2,
        minutes: 12,
        seconds: 720n,
        amount: "0.096000",
      },
      {
        day: "2026-03-15",
        offering_id: tenant.offeringId,
        job_count: 1,
        minutes: 10,
        seconds: 600n,
        amount: "0.100000",
      },
    ]);
  });

  it.each([
    // [granularity, minimum, run seconds, billed seconds, started minutes, amount at 0.008]
    [60, 0, 61, 120, 2, "0.016000"],
    [1, 0, 61, 61, 2, "0.008134"],
    [1, 60, 7, 60, 1, "0.008000"],
    [30, 0, 61, 90, 2, "0.012000"],
    [3600, 0, 61, 3600, 60, "0.480000"],
  ])(
    "rounds per %i s with a %i s minimum: %i s run → %i s billed",
    async (granularitySeconds, minimumSeconds, runSeconds, seconds, minutes, amount) => {
      const tenant = await createTenant(t.db);
      const usage = createUsageActivities({
        db: t.db,
        rounding: { granularitySeconds, minimumSeconds },
      });
      const jobId = await jobThatRan(tenant, runSeconds);
      expect(await usage.recordUsage(jobId)).toMatchObject({
        kind: "recorded",
        seconds,
        minutes,
        amount,
      });
      // The database's own check agrees with the arithmetic (it would have refused the row).
      const [row] = await daily(tenant);
      expect(row).toMatchObject({ seconds: BigInt(seconds), minutes, amount });
    },
  );

  it("bills custom runners per vCPU- and GiB-minute at the configured rates", async () => {
    const tenant = await createTenant(t.db);
    const { id: customId } = await t.db
      .insertInto("runners")
      .values({
        workspace_id: tenant.workspaceId,
        project_id: tenant.projectId,
        installation_id: tenant.installationId,
        name: "custom-big",
        image: "registry.example.com/runner:1",
        cpu: "8",
        memory: "32Gi",
        max_runners: 2,
        namespace: "hangar-custom",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const usage = createUsageActivities({
      db: t.db,
      customRates: { perVcpuMinute: "0.003", perGibMinute: "0.0005", currency: "EUR" },
    });
    const jobId = await jobThatRan(tenant, 300, "2026-03-10", customId);
    // 8 × 0.003 + 32 × 0.0005 = 0.040 per minute, 5 minutes.
    expect(await usage.recordUsage(jobId)).toEqual({
      kind: "recorded",
      minutes: 5,
      seconds: 300,
      unitPrice: "0.040000",
      amount: "0.200000",
      currency: "EUR",
    });
    expect(await daily(tenant)).toEqual([
      {
        day: "2026-03-10",
        offering_id: null,
        job_count: 1,
        minutes: 5,
        seconds: 300n,
        amount: "0.200000",
      },
    ]);
  });

  it("bills no skipped job and no job cancelled before a runner took it", async () => {
    const tenant = await createTenant(t.db);
    const usage = createUsageActivities({ db: t.db });
    const skipped = await t.db
      .insertInto("jobs")
      .values(completedJob(tenant, { conclusion: "skipped" }))
      .returning("github_job_id")
      .executeTakeFirstOrThrow();
    const cancelled = await t.db
      .insertInto("jobs")
      .values(completedJob(tenant, { conclusion: "cancelled", runner_name: null }))
      .returning("github_job_id")
      .executeTakeFirstOrThrow();
    expect(await usage.recordUsage(Number(skipped.github_job_id))).toEqual({
      kind: "not-billable",
      reason: "skipped",
    });
    expect(await usage.recordUsage(Number(cancelled.github_job_id))).toEqual({
      kind: "not-billable",
      reason: "no runner took the job",
    });
    expect(await daily(tenant)).toEqual([]);
  });
});
