import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, testDatabase, type TestDatabase } from "@hangar/testkit";
import { createDatabase } from "./database.js";
import { createTenant, type Tenant } from "./test-fixtures.js";
import { rollUpAllUsage, rollUpUsage } from "./usage-rollup.js";
import { monthlyStatement } from "./usage-statements.js";

// The daily totals rolled up from the ledger against real PostgreSQL: every event is
// queued once (duplicates never), statements count the queue, a rollup killed in the
// middle of a batch changes nothing, and rollups racing each other and the writers
// never count an event twice.

let t: TestDatabase;
let nextJobId = 1;

beforeAll(async () => {
  t = await testDatabase();
});

afterAll(async () => {
  await t.close();
});

/** `count` completed jobs of the tenant, completed on `day`; returns their ids. */
async function jobs(tenant: Tenant, count: number, day: string): Promise<number[]> {
  const first = nextJobId;
  nextJobId += count;
  await t.pool.query(
    `INSERT INTO jobs (github_job_id, github_run_id, run_attempt, github_repository_id,
       installation_id, workspace_id, runner_id, name, head_sha, labels, status, conclusion,
       github_created_at, github_started_at, github_completed_at, runner_name)
     SELECT g, g, 1, $3, $4, $5, $6, 'build', 'abc', '{hangar-4cpu}', 'completed', 'success',
       $7::timestamptz - interval '3 minutes', $7::timestamptz - interval '150 seconds',
       $7::timestamptz, 'runner-' || g
     FROM generate_series($1::bigint, $2::bigint) g`,
    [
      first,
      first + count - 1,
      tenant.repositoryId.toString(),
      tenant.installationId.toString(),
      tenant.workspaceId,
      tenant.runnerId,
      `${day}T12:00:00Z`,
    ],
  );
  return Array.from({ length: count }, (_, i) => first + i);
}

/**
 * One multi-row INSERT … ON CONFLICT DO NOTHING of the jobs' events (minutes vary with
 * the id, so a wrong count shows in the sums); ids already billed are skipped.
 */
async function bill(tenant: Tenant, ids: readonly number[], day: string): Promise<number> {
  const { rowCount } = await t.pool.query(
    `INSERT INTO usage_events (github_job_id, workspace_id, project_id, runner_id, offering_id,
       github_repository_id, billable_minutes, billable_seconds, unit_price, amount, currency,
       occurred_at)
     SELECT id, $2, $3, $4, $5, $6, 1 + id % 7, (1 + id % 7) * 60, 0.008, (1 + id % 7) * 0.008,
       'USD', $7::timestamptz
     FROM unnest($1::bigint[]) id
     ON CONFLICT (github_job_id) DO NOTHING`,
    [
      ids,
      tenant.workspaceId,
      tenant.projectId,
      tenant.runnerId,
      tenant.offeringId,
      tenant.repositoryId.toString(),
      `${day}T12:00:00Z`,
    ],
  );
  return rowCount ?? 0;
}

async function queued(): Promise<number> {
  const { rows } = await t.pool.query<{ n: string }>(
    "SELECT count(*) AS n FROM usage_rollup_pending",
  );
  return Number(rows[0]?.n);
}

/** Daily groups as text, for comparing two sources group by group. */
const groups = (source: string, count: string, minutes: string, seconds: string) => `
  SELECT coalesce(array_agg(x ORDER BY x), '{}') FROM (
    SELECT concat_ws('/', workspace_id, day, offering_id, currency, sum(${count}),
      sum(${minutes}), sum(${seconds}), sum(amount)) AS x
    FROM (${source}) s GROUP BY workspace_id, day, offering_id, currency) g`;
const ledger = groups(
  `SELECT workspace_id, (occurred_at AT TIME ZONE 'UTC')::date AS day, offering_id, currency,
     1 AS n, billable_minutes AS minutes, billable_seconds AS seconds, amount FROM usage_events`,
  "n",
  "minutes",
  "seconds",
);
const rolledUp = groups("SELECT * FROM usage_daily", "job_count", "minutes", "seconds");
const rolledUpAndQueued = groups(
  `SELECT workspace_id, day, offering_id, currency, job_count, minutes, seconds, amount
     FROM usage_daily
   UNION ALL
   SELECT workspace_id, day, offering_id, currency, 1, minutes, seconds, amount
     FROM usage_rollup_pending`,
  "job_count",
  "minutes",
  "seconds",
);

/**
 * Whether the ledger's daily groups equal `totals`' in one snapshot (one statement), so
 * writers and rollups running meanwhile cannot make them differ by timing alone.
 */
async function ledgerEquals(totals: string): Promise<{ equal: boolean; ledger: string[] }> {
  const { rows } = await t.pool.query<{ equal: boolean; ledger: string[] }>(
    `SELECT (${ledger}) = (${totals}) AS equal, (${ledger}) AS ledger`,
  );
  return rows[0] ?? { equal: false, ledger: [] };
}

describe("usage rollup", () => {
  it("queues each new event once, none for duplicates, and statements count the queue", async () => {
    await rollUpAllUsage(t.db);
    const tenant = await createTenant(t.db);
    const ids = await jobs(tenant, 50, "2026-03-10");
    expect(await bill(tenant, ids.slice(0, 30), "2026-03-10")).toBe(30);
    // 10 replays of billed jobs and 20 new ones in one statement.
    expect(await bill(tenant, [...ids.slice(0, 10), ...ids.slice(30)], "2026-03-10")).toBe(20);
    expect(await queued()).toBe(50);

    const before = await monthlyStatement(t.db, {
      workspaceId: tenant.workspaceId,
      month: "2026-03",
    });
    const minutes = ids.reduce((sum, id) => sum + 1 + (id % 7), 0);
    expect(
      before.totals.map(({ currency, jobs, startedMinutes }) => [currency, jobs, startedMinutes]),
    ).toEqual([["USD", 50, minutes]]);
    expect(await rollUpAllUsage(t.db)).toBe(50);
    expect(await queued()).toBe(0);
    const after = await monthlyStatement(t.db, {
      workspaceId: tenant.workspaceId,
      month: "2026-03",
    });
    expect(after).toEqual(before);
    expect((await ledgerEquals(rolledUp)).equal).toBe(true);
  });

  it("leaves the totals exact when a rollup is killed in the middle of its batch", async () => {
    await rollUpAllUsage(t.db);
    const tenant = await createTenant(t.db);
    const ids = await jobs(tenant, 40, "2026-04-02");
    await bill(tenant, ids.slice(0, 10), "2026-04-02");
    await rollUpAllUsage(t.db); // the day's usage_daily row now exists
    await bill(tenant, ids.slice(10), "2026-04-02");
    expect(await queued()).toBe(30);

    // Hold the day's total row so the rollup stops after deleting its batch from the
    // queue but before adding it to the total, then kill its backend there.
    const blocker = await t.pool.connect();
    const victim = createDatabase(t.url, { max: 1 });
    // The killed connection also reports its end as an error event; expected here.
    victim.pool.on("connect", (client) => client.on("error", () => undefined));
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM usage_daily WHERE workspace_id = $1 FOR UPDATE", [
        tenant.workspaceId,
      ]);
      const rollup = rollUpUsage(victim.db);
      const pid = await eventually("the rollup waiting on the held total", async () => {
        const { rows } = await t.pool.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query LIKE '%DELETE FROM usage_rollup_pending%'`,
        );
        return rows[0]?.pid;
      });
      await t.pool.query("SELECT pg_terminate_backend($1)", [pid]);
      await expect(rollup).rejects.toThrow();
      await blocker.query("ROLLBACK");
    } finally {
      blocker.release();
      await victim.close();
    }

    expect(await queued()).toBe(30);
    expect((await ledgerEquals(rolledUpAndQueued)).equal).toBe(true);
    expect(await rollUpAllUsage(t.db)).toBe(30);
    const { equal, ledger: days } = await ledgerEquals(rolledUp);
    expect(equal).toBe(true);
    expect(days.filter((day) => day.startsWith(tenant.workspaceId))).toHaveLength(1);
  });

  it("runs one rollup at a time: a second one finds the lock taken and moves nothing", async () => {
    await rollUpAllUsage(t.db);
    const tenant = await createTenant(t.db);
    const ids = await jobs(tenant, 20, "2026-04-03");
    await bill(tenant, ids.slice(0, 5), "2026-04-03");
    await rollUpAllUsage(t.db);
    await bill(tenant, ids.slice(5), "2026-04-03");

    const blocker = await t.pool.connect();
    const first = createDatabase(t.url, { max: 1 });
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM usage_daily WHERE workspace_id = $1 FOR UPDATE", [
        tenant.workspaceId,
      ]);
      const held = rollUpUsage(first.db);
      await eventually("the first rollup waiting on the held total", async () => {
        const { rows } = await t.pool.query(
          `SELECT 1 FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query LIKE '%DELETE FROM usage_rollup_pending%'`,
        );
        return rows.length > 0 ? true : undefined;
      });
      expect(await rollUpUsage(t.db)).toBeNull();
      await blocker.query("COMMIT");
      expect(await held).toBe(15);
    } finally {
      blocker.release();
      await first.close();
    }
    expect(await queued()).toBe(0);
    expect((await ledgerEquals(rolledUp)).equal).toBe(true);
  });

  it("never counts an event twice with rollups racing each other and the writers", async () => {
    await rollUpAllUsage(t.db);
    const tenants = [await createTenant(t.db), await createTenant(t.db)];
    const days = ["2026-05-01", "2026-05-02"];
    const rollers = Array.from({ length: 3 }, () => createDatabase(t.url, { max: 1 }));
    const state = { writing: true };
    const snapshots: boolean[] = [];
    try {
      const writers = tenants.map(async (tenant, w) => {
        const ids = await jobs(tenant, 600, days[w] ?? "2026-05-01");
        // Batches of 30, each repeating 10 ids of the batch before.
        for (let i = 0; i < ids.length; i += 20) {
          await bill(tenant, ids.slice(Math.max(0, i - 10), i + 20), days[i % 40 === 0 ? 0 : 1]!);
        }
      });
      const rollups = rollers.map(async (roller) => {
        while (state.writing) await rollUpUsage(roller.db, { limit: 25 });
      });
      const checker = (async () => {
        while (state.writing) snapshots.push((await ledgerEquals(rolledUpAndQueued)).equal);
      })();
      await Promise.all(writers);
      state.writing = false;
      await Promise.all([...rollups, checker]);
    } finally {
      await Promise.all(rollers.map((roller) => roller.close()));
    }

    await rollUpAllUsage(t.db);
    expect(await queued()).toBe(0);
    const { rows } = await t.pool.query<{ events: string }>(
      "SELECT count(*) AS events FROM usage_events WHERE workspace_id = ANY($1::uuid[])",
      [tenants.map((tenant) => tenant.workspaceId)],
    );
    expect(Number(rows[0]?.events)).toBe(1200);
    expect(snapshots.length).toBeGreaterThan(0);
    expect(snapshots.every(Boolean)).toBe(true);
    expect((await ledgerEquals(rolledUp)).equal).toBe(true);
  });
});
