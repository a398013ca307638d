// `npm run bench:usage [-- --single 20000 --concurrency 16 --batched 500000 --batch 1000
//                          --events 10000000 --statements 200]`
//
// The usage ledger on the local PostgreSQL, in a database of its own:
//
// 1. single-row: recordUsage itself (read the job and its price, then INSERT … ON
//    CONFLICT DO NOTHING, whose trigger queues the event for the daily totals; each call
//    its own committed transaction), `--concurrency` at a time (as the activities of a
//    couple of workers with their default pools of 10), 20% of the calls repeating a job
//    already billed; yardstick: a bare single-row INSERT into an unindexed table at the
//    same concurrency.
// 2. batched: multi-row INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING (the
//    trigger queues only the rows actually inserted), batches of `--batch` rows with 20%
//    duplicates; yardstick: the same rows into an unindexed table with a plain multi-row
//    INSERT.
// 3. rollup: rollUpAllUsage() moving everything the two runs queued into the daily
//    totals, timed; the exact totals (rolled up + queued) are checked against the ledger
//    before it, the rolled-up totals alone after it.
// 4. statement: `--events` usage events generated with generate_series, the daily totals
//    built from them, plus a queue of events not yet rolled up, then monthlyStatement()
//    for random workspace-months; yardstick: a SELECT of one usage_daily row by key. The
//    same statement computed straight from usage_events is shown for comparison.
//
// Every connection runs with synchronous_commit on, production's setting (the test
// server itself runs with fsync off, for both the measures and their yardsticks).
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import pg from "pg";
import { up } from "@hangar/devenv";
import { createUsageActivities } from "@hangar/server/activities/usage.js";
import { createDatabase } from "@hangar/server/storage/database.js";
import { migrate } from "@hangar/server/storage/migrate.js";
import { createTenant, type Tenant } from "@hangar/server/storage/test-fixtures.js";
import { rollUpAllUsage } from "@hangar/server/storage/usage-rollup.js";
import { monthlyStatement } from "@hangar/server/storage/usage-statements.js";

const { values: args } = parseArgs({
  options: {
    single: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "16" },
    batched: { type: "string", default: "500000" },
    batch: { type: "string", default: "1000" },
    events: { type: "string", default: "10000000" },
    statements: { type: "string", default: "200" },
  },
});
const SINGLE = Number(args.single);
const CONCURRENCY = Number(args.concurrency);
const BATCHED = Number(args.batched);
const BATCH = Number(args.batch);
const EVENTS = Number(args.events);
const STATEMENTS = Number(args.statements);
const DUPLICATES = 0.2;
/** Events not yet rolled up while statements are measured: 10 s of the single-row target. */
const TAIL = 50_000;
const TENANTS = 20;
const TARGETS = { singlePerSecond: 5_000, batchedPerSecond: 50_000, statementP99Ms: 200 };

type Client = pg.Pool | pg.PoolClient;

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

function latencies(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Runs `work(i)` for i in [0, count) with `concurrency` in flight; returns seconds taken. */
async function concurrently(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next;
        next += 1;
        await work(i);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/** `ids`, and repeats of them making up `DUPLICATES` of the calls, each after its original. */
function withDuplicates(ids: readonly number[], random: () => number): number[] {
  const duplicates = Math.round((ids.length * DUPLICATES) / (1 - DUPLICATES));
  const calls = ids.map((id, i) => ({ id, key: i }));
  for (let i = 0; i < duplicates; i += 1) {
    const original = Math.floor(random() * ids.length);
    // A replayed event arrives some time after the first one.
    calls.push({ id: ids[original] ?? 0, key: original + random() * (ids.length - original) });
  }
  return calls.sort((a, b) => a.key - b.key).map((c) => c.id);
}

/** A deterministic generator, so runs are comparable. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** `count` completed jobs (2m30s each, completed today) spread over the tenants. */
async function insertJobs(
  client: Client,
  tenants: readonly Tenant[],
  firstId: number,
  count: number,
) {
  await client.query(
    `INSERT INTO jobs (github_job_id, github_run_id, run_attempt, github_repository_id,
       installation_id, workspace_id, runner_id, name, head_sha, labels, status, conclusion,
       github_created_at, github_started_at, github_completed_at, runner_name)
     SELECT $1::bigint + g, $1::bigint + g, 1, t.repository_id, t.installation_id,
       t.workspace_id, t.runner_id, 'build', 'abc', '{hangar-4cpu}', 'completed', 'success',
       now() - interval '3 minutes', now() - interval '150 seconds', now(), 'runner-' || g
     FROM generate_series(0, $2::bigint - 1) g
     JOIN unnest($3::bigint[], $4::bigint[], $5::uuid[], $6::uuid[])
       WITH ORDINALITY AS t(repository_id, installation_id, workspace_id, runner_id, n)
       ON t.n = g % $7 + 1`,
    [
      firstId,
      count,
      tenants.map((t) => t.repositoryId.toString()),
      tenants.map((t) => t.installationId.toString()),
      tenants.map((t) => t.workspaceId),
      tenants.map((t) => t.runnerId),
      tenants.length,
    ],
  );
}

async function singleRow(
  url: string,
  pool: pg.Pool,
  tenants: readonly Tenant[],
): Promise<{ perSecond: number; baselinePerSecond: number; calls: number; recorded: number }> {
  const firstId = 1_000_000_000;
  await insertJobs(pool, tenants, firstId, SINGLE);
  const calls = withDuplicates(
    Array.from({ length: SINGLE }, (_, i) => firstId + i),
    seeded(1),
  );
  const handle = createDatabase(url, { max: CONCURRENCY });
  const usage = createUsageActivities({ db: handle.db, pool: handle.pool });
  let recorded = 0;
  try {
    // Warm-up: connections, plans.
    await concurrently(CONCURRENCY * 4, CONCURRENCY, () =>
      handle.db.selectFrom("jobs").select("github_job_id").limit(1).execute(),
    );
    const seconds = await concurrently(calls.length, CONCURRENCY, async (i) => {
      const result = await usage.recordUsage(calls[i] ?? 0);
      if (result.kind === "recorded") recorded += 1;
    });
    await pool.query("CREATE TABLE bench_bare (a bigint, b uuid, c numeric, d timestamptz)");
    const baseline = await concurrently(calls.length, CONCURRENCY, (i) =>
      handle.pool.query("INSERT INTO bench_bare VALUES ($1, $2, $3, now())", [
        calls[i],
        tenants[0]?.workspaceId,
        "0.024000",
      ]),
    );
    return {
      perSecond: calls.length / seconds,
      baselinePerSecond: calls.length / baseline,
      calls: calls.length,
      recorded,
    };
  } finally {
    await handle.close();
  }
}

/** One statement: the new events of a batch; the trigger queues exactly those for the totals. */
const batchInsert = `
INSERT INTO usage_events (github_job_id, workspace_id, project_id, runner_id, offering_id,
  github_repository_id, billable_minutes, billable_seconds, unit_price, amount, currency,
  occurred_at)
SELECT github_job_id, workspace_id, project_id, runner_id, offering_id, repository_id, 3, 180,
  0.008, 0.024, 'USD', $7::timestamptz
FROM unnest($1::bigint[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::bigint[])
  AS i(github_job_id, workspace_id, project_id, runner_id, offering_id, repository_id)
-- Batches that share jobs take their keys in one order, or they could deadlock.
ORDER BY github_job_id
ON CONFLICT (github_job_id) DO NOTHING`;

async function batched(
  pool: pg.Pool,
  tenants: readonly Tenant[],
): Promise<{ perSecond: number; baselinePerSecond: number; rows: number }> {
  const firstId = 2_000_000_000;
  await insertJobs(pool, tenants, firstId, BATCHED);
  const random = seeded(2);
  const rows = withDuplicates(
    Array.from({ length: BATCHED }, (_, i) => firstId + i),
    random,
  );
  const batches: number[][] = [];
  for (let i = 0; i < rows.length; i += BATCH) batches.push(rows.slice(i, i + BATCH));
  const columns = (ids: readonly number[]) => {
    const of = (id: number) => tenants[(id - firstId) % tenants.length] as Tenant;
    return [
      ids,
      ids.map((id) => of(id).workspaceId),
      ids.map((id) => of(id).projectId),
      ids.map((id) => of(id).runnerId),
      ids.map((id) => of(id).offeringId),
      ids.map((id) => of(id).repositoryId.toString()),
      new Date().toISOString(),
    ];
  };
  const connections = 4;
  const seconds = await concurrently(batches.length, connections, (i) =>
    pool.query(batchInsert, columns(batches[i] ?? [])),
  );
  await pool.query(
    "CREATE TABLE bench_bare_batch (github_job_id bigint, workspace_id uuid, project_id uuid, runner_id uuid, offering_id text, repository_id bigint, amount numeric, occurred_at timestamptz)",
  );
  const baseline = await concurrently(batches.length, connections, (i) =>
    pool.query(
      `INSERT INTO bench_bare_batch
       SELECT *, 0.024, $7::timestamptz
       FROM unnest($1::bigint[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::bigint[])`,
      columns(batches[i] ?? []),
    ),
  );
  return {
    perSecond: rows.length / seconds,
    baselinePerSecond: rows.length / baseline,
    rows: rows.length,
  };
}

/** The ledger's daily groups against `totals`' (both as text), in one snapshot. */
async function ledgerEquals(pool: pg.Pool, totals: string): Promise<boolean> {
  const groups = (source: string) => `
    SELECT coalesce(array_agg(x ORDER BY x), '{}') FROM (
      SELECT workspace_id::text || day || coalesce(offering_id, '') || currency || sum(n) || '/'
        || sum(seconds) || '/' || sum(amount) AS x
      FROM (${source}) s GROUP BY workspace_id, day, offering_id, currency) g`;
  const { rows } = await pool.query<{ equal: boolean }>(
    `SELECT (${groups(`SELECT workspace_id, (occurred_at AT TIME ZONE 'UTC')::date AS day,
       offering_id, currency, 1 AS n, billable_seconds AS seconds, amount FROM usage_events`)})
     = (${groups(totals)}) AS equal`,
  );
  return rows[0]?.equal === true;
}

const rolledUp = `SELECT workspace_id, day, offering_id, currency, job_count AS n, seconds, amount
  FROM usage_daily`;
const rolledUpAndQueued = `${rolledUp} UNION ALL
  SELECT workspace_id, day, offering_id, currency, 1, seconds, amount FROM usage_rollup_pending`;

async function ledgerChecks(url: string, pool: pg.Pool) {
  const { rows } = await pool.query<{ events: string; duplicates: string; queued: string }>(`
    SELECT (SELECT count(*) FROM usage_events) AS events,
      (SELECT count(*) - count(DISTINCT github_job_id) FROM usage_events) AS duplicates,
      (SELECT count(*) FROM usage_rollup_pending) AS queued`);
  const exactBefore = await ledgerEquals(pool, rolledUpAndQueued);
  const handle = createDatabase(url, { max: 1 });
  const started = performance.now();
  const rolled = await rollUpAllUsage(handle.db).finally(handle.close);
  const rollupSeconds = (performance.now() - started) / 1000;
  return {
    events: Number(rows[0]?.events),
    duplicates: Number(rows[0]?.duplicates),
    queued: Number(rows[0]?.queued),
    exactBefore,
    rolled,
    rollupPerSecond: rolled / rollupSeconds,
    dailyMatches: await ledgerEquals(pool, rolledUp),
  };
}

/**
 * `EVENTS` events over 2025, spread evenly over the tenants and their offerings. Built
 * in bulk with the foreign-key triggers off (session_replication_role): the events name
 * jobs that were never inserted, which only the foreign key would notice.
 */
async function generateYear(pool: pg.Pool, tenants: readonly Tenant[]): Promise<number> {
  const started = performance.now();
  const client = await pool.connect();
  try {
    await client.query("TRUNCATE usage_events, usage_daily, usage_rollup_pending");
    await client.query("SET session_replication_role = replica");
    await client.query("SET maintenance_work_mem = '512MB'");
    const chunk = 1_000_000;
    for (let from = 0; from < EVENTS; from += chunk) {
      await client.query(
        `INSERT INTO usage_events (github_job_id, workspace_id, project_id, runner_id, offering_id,
           github_repository_id, billable_minutes, billable_seconds, unit_price, amount, currency,
           occurred_at)
         SELECT 5000000000 + g, t.workspace_id, t.project_id, t.runner_id, t.offering_id,
           t.repository_id, m, m * 60, 0.008, m * 0.008, 'USD',
           timestamptz '2025-01-01' + (g::double precision / $2) * interval '365 days'
         FROM generate_series($1::bigint, least($1::bigint + ${chunk}, $2) - 1) g
         CROSS JOIN LATERAL (SELECT 1 + (g * 7919) % 30 AS m) minutes
         JOIN unnest($3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::bigint[])
           WITH ORDINALITY AS t(workspace_id, project_id, runner_id, offering_id, repository_id, n)
           ON t.n = g % $8 + 1`,
        [
          from,
          EVENTS,
          tenants.map((t) => t.workspaceId),
          tenants.map((t) => t.projectId),
          tenants.map((t) => t.runnerId),
          tenants.map((t) => t.offeringId),
          tenants.map((t) => t.repositoryId.toString()),
          tenants.length,
        ],
      );
    }
    await client.query(`
      INSERT INTO usage_daily (workspace_id, day, offering_id, currency, job_count, minutes, seconds, amount)
      SELECT workspace_id, (occurred_at AT TIME ZONE 'UTC')::date, offering_id, currency, count(*),
        sum(billable_minutes), sum(billable_seconds), sum(amount)
      FROM usage_events GROUP BY 1, 2, 3, 4`);
    await client.query("SET session_replication_role = origin");
    // A backlog the rollup has not reached yet, written the ordinary way (foreign keys
    // and the trigger on): statements must read it too.
    const tailFirstId = 6_000_000_000;
    await insertJobs(client, tenants, tailFirstId, TAIL);
    await client.query(
      `INSERT INTO usage_events (github_job_id, workspace_id, project_id, runner_id, offering_id,
         github_repository_id, billable_minutes, billable_seconds, unit_price, amount, currency,
         occurred_at)
       SELECT j.github_job_id, j.workspace_id, t.project_id, j.runner_id, t.offering_id,
         j.github_repository_id, 3, 180, 0.008, 0.024, 'USD',
         timestamptz '2025-01-01' + ((j.github_job_id - $1)::double precision / $2) * interval '365 days'
       FROM jobs j JOIN unnest($3::uuid[], $4::uuid[], $5::text[]) AS t(workspace_id, project_id, offering_id)
         ON t.workspace_id = j.workspace_id
       WHERE j.github_job_id >= $1`,
      [
        tailFirstId,
        TAIL,
        tenants.map((t) => t.workspaceId),
        tenants.map((t) => t.projectId),
        tenants.map((t) => t.offeringId),
      ],
    );
    await client.query("ANALYZE usage_events");
    await client.query("ANALYZE usage_daily");
    await client.query("ANALYZE usage_rollup_pending");
  } finally {
    client.release();
  }
  return (performance.now() - started) / 1000;
}

async function statements(url: string, pool: pg.Pool, tenants: readonly Tenant[]) {
  const handle = createDatabase(url, { max: 2 });
  const random = seeded(3);
  const pick = () => {
    const tenant = tenants[Math.floor(random() * tenants.length)] as Tenant;
    const month = `2025-${String(1 + Math.floor(random() * 12)).padStart(2, "0")}`;
    return { tenant, month };
  };
  const time = async (work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    return performance.now() - started;
  };
  try {
    const { rows: ids } = await pool.query<{ id: string }>("SELECT id FROM usage_daily");
    const runs = async (count: number, work: () => Promise<unknown>) => {
      for (let i = 0; i < 10; i += 1) await work(); // warm-up
      const samples: number[] = [];
      for (let i = 0; i < count; i += 1) samples.push(await time(work));
      return latencies(samples);
    };
    let lastJobs = 0;
    const statement = await runs(STATEMENTS, async () => {
      const { tenant, month } = pick();
      const result = await monthlyStatement(handle.db, { workspaceId: tenant.workspaceId, month });
      lastJobs = result.totals[0]?.jobs ?? 0;
    });
    const baseline = await runs(STATEMENTS, () =>
      handle.pool.query("SELECT * FROM usage_daily WHERE id = $1", [
        ids[Math.floor(random() * ids.length)]?.id,
      ]),
    );
    const fromLedger = await runs(Math.max(5, Math.round(STATEMENTS / 20)), () => {
      const { tenant, month } = pick();
      return handle.pool.query(
        `SELECT offering_id, currency, count(*), sum(billable_minutes), sum(billable_seconds), sum(amount)
         FROM usage_events WHERE workspace_id = $1 AND occurred_at >= $2::date
           AND occurred_at < ($2::date + interval '1 month')
         GROUP BY 1, 2`,
        [tenant.workspaceId, `${month}-01`],
      );
    });
    return { statement, baseline, fromLedger, jobsPerStatement: lastJobs };
  } finally {
    await handle.close();
  }
}

async function main(): Promise<void> {
  const environment = await up("test", ["postgres"]);
  const serverUrl = environment.endpoints.databaseUrl;
  const name = `bench_usage_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  // Production leaves synchronous_commit at PostgreSQL's default (on); so does the bench,
  // whatever the test server's own setting.
  url.searchParams.set("options", "-c synchronous_commit=on");
  const databaseUrl = url.toString();
  const handle = createDatabase(databaseUrl, { max: 8 });
  try {
    await migrate(databaseUrl);
    const tenants: Tenant[] = [];
    for (let i = 0; i < TENANTS; i += 1) tenants.push(await createTenant(handle.db));
    const settings = await handle.pool.query<{ fsync: string; synchronous_commit: string }>(
      "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit",
    );
    console.log(
      `PostgreSQL: local test instance (fsync ${settings.rows[0]?.fsync}, synchronous_commit ` +
        `${settings.rows[0]?.synchronous_commit}); ${TENANTS} workspaces; ${DUPLICATES * 100}% duplicates`,
    );

    const single = await singleRow(databaseUrl, handle.pool, tenants);
    const batch = await batched(handle.pool, tenants);
    const checks = await ledgerChecks(databaseUrl, handle.pool);
    const generatedIn = await generateYear(handle.pool, tenants);
    const statement = await statements(databaseUrl, handle.pool, tenants);

    const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
    const round = (n: number) => Math.round(n).toLocaleString("en-US");
    console.table([
      {
        measure: `single-row recordUsage, ${CONCURRENCY} at a time (${round(single.calls)} calls)`,
        "per second": round(single.perSecond),
        baseline: `${round(single.baselinePerSecond)} (bare INSERT, unindexed)`,
        target: `≥ ${round(TARGETS.singlePerSecond)} ${verdict(single.perSecond >= TARGETS.singlePerSecond)}`,
      },
      {
        measure: `batched rows, ${BATCH} a statement, 4 at a time (${round(batch.rows)} rows)`,
        "per second": round(batch.perSecond),
        baseline: `${round(batch.baselinePerSecond)} (bare multi-row INSERT, unindexed)`,
        target: `≥ ${round(TARGETS.batchedPerSecond)} ${verdict(batch.perSecond >= TARGETS.batchedPerSecond)}`,
      },
    ]);
    console.log(
      `ledger after both: ${round(checks.events)} events (${round(single.recorded)} recorded by the ` +
        `single-row run), ${checks.duplicates} duplicate rows ${verdict(checks.duplicates === 0)}; ` +
        `${round(checks.queued)} queued, rolled-up + queued totals equal the ledger: ` +
        verdict(checks.exactBefore),
    );
    console.log(
      `rollup: ${round(checks.rolled)} queued events into the daily totals at ` +
        `${round(checks.rollupPerSecond)}/s; daily totals equal the ledger: ` +
        verdict(checks.dailyMatches),
    );
    console.log(
      `statement dataset: ${round(EVENTS)} events over 2025 generated and aggregated in ` +
        `${generatedIn.toFixed(1)} s, plus ${round(TAIL)} not yet rolled up; ` +
        `~${round(statement.jobsPerStatement)} jobs in a workspace-month`,
    );
    const ms = (n: number) => `${n.toFixed(2)} ms`;
    console.table([
      {
        query: "monthlyStatement() from the daily totals",
        p50: ms(statement.statement.p50),
        p99: ms(statement.statement.p99),
        target: `p99 < ${TARGETS.statementP99Ms} ms ${verdict(statement.statement.p99 < TARGETS.statementP99Ms)}`,
      },
      {
        query: "baseline: one usage_daily row by key",
        p50: ms(statement.baseline.p50),
        p99: ms(statement.baseline.p99),
        target: "",
      },
      {
        query: "for comparison: the month from usage_events",
        p50: ms(statement.fromLedger.p50),
        p99: ms(statement.fromLedger.p99),
        target: "",
      },
    ]);
  } finally {
    await handle.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await environment.down();
  }
}

await main();
