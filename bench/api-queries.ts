// The `queries` section of `npm run bench:api`: ListJobs and GetRunnerMetrics through the
// real API server (HTTP/1.1, Connect JSON, token authentication and authorization on
// every call) over a database holding `--jobs` jobs (1 M by default), against a baseline
// measured in the same run: GetWorkspace, the cheapest authenticated, authorized call.
//
// The jobs belong to one workspace with 10 repositories and 5 runner configurations, and
// spread over the 90 days before now: 97% completed (85% success, 10% failure, 5%
// cancelled), queue times of 1 s to 2 min and run times of 30 s to 30 min. A second
// workspace holds 1% as many, so every query must also keep to its tenant.
// VACUUM ANALYZE then leaves the tables as autovacuum would.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { JobService } from "@hangar/api/job_service_pb.js";
import { GetRunnerMetricsRequestSchema, RunnerService } from "@hangar/api/runner_service_pb.js";
import { WorkspaceService } from "@hangar/api/workspace_service_pb.js";
import { writeProjectTuples, writeWorkspaceTuples } from "@hangar/server/authz/index.js";
import { startApiServer } from "@hangar/server/api/start-api.js";
import { createApiToken } from "@hangar/server/api/tokens.js";
import { createLogger } from "@hangar/server/observability/logger.js";
import type { Database } from "@hangar/server/storage/schema.js";
import { createTenant, type Tenant } from "@hangar/server/storage/test-fixtures.js";
import type { Client } from "@temporalio/client";
import { sql, type Kysely } from "kysely";

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface QueryRow {
  name: string;
  latency: Percentiles;
  /** Rows (ListJobs) or jobs counted (GetRunnerMetrics) in the last answer. */
  size: number;
}

export interface QueryBenchResult {
  jobs: number;
  seedSeconds: number;
  baseline: Percentiles;
  rows: QueryRow[];
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

async function timed(iterations: number, call: () => Promise<number>) {
  // A few unmeasured calls first: connection set-up and plan caching are not the point.
  for (let i = 0; i < 5; i += 1) await call();
  const samples: number[] = [];
  let size = 0;
  for (let i = 0; i < iterations; i += 1) {
    const started = process.hrtime.bigint();
    size = await call();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { latency: percentiles(samples), size };
}

async function tenantWithRunners(db: Kysely<Database>): Promise<Tenant & { runnerIds: string[] }> {
  const tenant = await createTenant(db);
  await db.transaction().execute(async (trx) => {
    await writeWorkspaceTuples(trx, tenant.workspaceId);
    await writeProjectTuples(trx, tenant.workspaceId, tenant.projectId);
  });
  const runnerIds = [tenant.runnerId];
  const runner = await db
    .selectFrom("runners")
    .selectAll()
    .where("id", "=", tenant.runnerId)
    .executeTakeFirstOrThrow();
  for (let i = 2; i <= 5; i += 1) {
    const { id } = await db
      .insertInto("runners")
      .values({
        workspace_id: tenant.workspaceId,
        project_id: tenant.projectId,
        installation_id: tenant.installationId,
        name: `hangar-bench-${i}`,
        offering_id: runner.offering_id,
        cpu: runner.cpu,
        memory: runner.memory,
        max_runners: 10,
        namespace: runner.namespace,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    runnerIds.push(id);
  }
  const repository = await db
    .selectFrom("repositories")
    .select("full_name")
    .where("github_repository_id", "=", tenant.repositoryId)
    .executeTakeFirstOrThrow();
  const [owner] = repository.full_name.split("/");
  await db
    .insertInto("repositories")
    .values(
      Array.from({ length: 9 }, (_, i) => ({
        github_repository_id: tenant.repositoryId * 100n + BigInt(i + 1),
        installation_id: tenant.installationId,
        full_name: `${owner}/service-${i + 1}`,
        private: true,
      })),
    )
    .execute();
  return { ...tenant, runnerIds };
}

/** `count` jobs of the tenant in one statement, ids from `firstId`. */
async function seedJobs(
  db: Kysely<Database>,
  tenant: Tenant & { runnerIds: string[] },
  count: number,
  firstId: number,
): Promise<void> {
  const repositories = await db
    .selectFrom("repositories")
    .select("github_repository_id")
    .where("installation_id", "=", tenant.installationId)
    .execute();
  const repositoryIds = repositories.map((row) => String(row.github_repository_id));
  await sql`
    INSERT INTO jobs (github_job_id, github_run_id, run_attempt, github_repository_id,
      installation_id, workspace_id, runner_id, name, workflow_name, head_branch, head_sha,
      labels, status, conclusion, github_created_at, github_started_at, github_completed_at,
      runner_name)
    SELECT ${firstId}::bigint + g, ${firstId}::bigint + g / 4, 1,
      (${repositoryIds}::bigint[])[1 + g % ${repositoryIds.length}],
      ${tenant.installationId}, ${tenant.workspaceId}::uuid,
      (${tenant.runnerIds}::uuid[])[1 + (g / 7) % ${tenant.runnerIds.length}],
      'build-' || (g % 12), 'CI', 'main', md5(g::text) || '00000000',
      ARRAY['self-hosted', 'hangar'], s.status, s.conclusion, s.created,
      CASE WHEN s.status = 'queued' THEN NULL ELSE s.created + s.queue END,
      CASE WHEN s.status = 'completed' THEN s.created + s.queue + s.run END,
      'hangar-runner-' || g
    FROM generate_series(1::bigint, ${count}::bigint) AS g
    CROSS JOIN LATERAL (
      SELECT
        now() - interval '90 days' * (g::float8 / ${count}) - interval '1 hour' AS created,
        interval '1 second' * (1 + (g * 7919) % 120) AS queue,
        interval '1 second' * (30 + (g * 104729) % 1770) AS run,
        CASE WHEN g % 100 < 3 THEN 'in_progress' ELSE 'completed' END AS status,
        CASE WHEN g % 100 < 3 THEN NULL
             WHEN g % 20 < 17 THEN 'success'
             WHEN g % 20 < 19 THEN 'failure'
             ELSE 'cancelled' END AS conclusion
    ) AS s
  `.execute(db);
}

export async function measureQueries(
  db: Kysely<Database>,
  options: { jobs: number; iterations: number; log: (line: string) => void },
): Promise<QueryBenchResult> {
  const { log } = options;
  const tenant = await tenantWithRunners(db);
  const other = await tenantWithRunners(db);
  const seedStarted = Date.now();
  log(`seeding ${options.jobs.toLocaleString("en")} jobs…`);
  const batch = 250_000;
  for (let done = 0; done < options.jobs; done += batch) {
    await seedJobs(db, tenant, Math.min(batch, options.jobs - done), 1_000_000_000 + done);
  }
  await seedJobs(db, other, Math.max(1, Math.floor(options.jobs / 100)), 5_000_000_000);
  await sql`VACUUM ANALYZE jobs`.execute(db);
  await sql`VACUUM ANALYZE repositories`.execute(db);
  const seedSeconds = (Date.now() - seedStarted) / 1000;
  log(`seeded in ${seedSeconds.toFixed(0)} s`);

  const { token } = await db
    .transaction()
    .execute((trx) =>
      createApiToken(trx, { workspaceId: tenant.workspaceId, name: "bench", role: "viewer" }),
    );
  const api = await startApiServer({
    db,
    // The calls measured read PostgreSQL only; nothing signals a workflow.
    temporalClient: {} as Client,
    taskQueue: "bench",
    logger: createLogger({ level: "warn" }),
    host: "127.0.0.1",
    port: 0,
    maxBodyBytes: 1 << 20,
    rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    consoleDir: false,
  });
  try {
    const transport = createConnectTransport({
      baseUrl: api.url,
      httpVersion: "1.1",
      useBinaryFormat: false,
      interceptors: [
        (next) => (request) => {
          request.header.set("authorization", `Bearer ${token}`);
          return next(request);
        },
      ],
    });
    const workspaces = createClient(WorkspaceService, transport);
    const jobs = createClient(JobService, transport);
    const runners = createClient(RunnerService, transport);
    const workspaceId = tenant.workspaceId;
    const repository = (
      await db
        .selectFrom("repositories")
        .select("full_name")
        .where("github_repository_id", "=", tenant.repositoryId)
        .executeTakeFirstOrThrow()
    ).full_name;
    const day = 24 * 60 * 60_000;
    const window = (days: number) => ({
      startTime: timestampFromDate(new Date(Date.now() - days * day)),
      endTime: timestampFromDate(new Date()),
    });

    const n = options.iterations;
    log(`baseline: GetWorkspace × ${n}`);
    const baseline = await timed(n, async () => {
      await workspaces.getWorkspace({ id: workspaceId });
      return 1;
    });
    // The 20th page's token, fetched once: paging deep must cost what the first page does.
    let deepToken = "";
    for (let page = 0; page < 20; page += 1) {
      deepToken = (await jobs.listJobs({ workspaceId, pageSize: 50, pageToken: deepToken }))
        .nextPageToken;
    }
    const cases: [string, () => Promise<number>][] = [
      [
        "ListJobs, first page of 50",
        async () => (await jobs.listJobs({ workspaceId, pageSize: 50 })).jobs.length,
      ],
      [
        "ListJobs, 21st page of 50",
        async () =>
          (await jobs.listJobs({ workspaceId, pageSize: 50, pageToken: deepToken })).jobs.length,
      ],
      [
        "ListJobs, one repository",
        async () => (await jobs.listJobs({ workspaceId, repository, pageSize: 50 })).jobs.length,
      ],
      [
        "ListJobs, one runner's failures",
        async () =>
          (
            await jobs.listJobs({
              workspaceId,
              runnerId: tenant.runnerIds[2] ?? tenant.runnerId,
              conclusion: "failure",
              pageSize: 50,
            })
          ).jobs.length,
      ],
      [
        "ListJobs, last 24 h, page of 500",
        async () => (await jobs.listJobs({ workspaceId, ...window(1), pageSize: 500 })).jobs.length,
      ],
      [
        "GetRunnerMetrics, workspace, 7 days",
        async () =>
          Number(
            (
              await runners.getRunnerMetrics(
                create(GetRunnerMetricsRequestSchema, { workspaceId, ...window(7) }),
              )
            ).totalJobs,
          ),
      ],
      [
        "GetRunnerMetrics, one runner, 7 days",
        async () =>
          Number(
            (
              await runners.getRunnerMetrics({
                workspaceId,
                runnerId: tenant.runnerIds[1] ?? tenant.runnerId,
                ...window(7),
              })
            ).totalJobs,
          ),
      ],
      [
        "GetRunnerMetrics, one repository, 30 days",
        async () =>
          Number(
            (await runners.getRunnerMetrics({ workspaceId, repository, ...window(30) })).totalJobs,
          ),
      ],
      [
        "GetRunnerMetrics, workspace, 30 days",
        async () =>
          Number((await runners.getRunnerMetrics({ workspaceId, ...window(30) })).totalJobs),
      ],
    ];
    const rows: QueryRow[] = [];
    for (const [name, call] of cases) {
      log(`${name} × ${n}`);
      const { latency, size } = await timed(n, call);
      rows.push({ name, latency, size });
    }
    return { jobs: options.jobs, seedSeconds, baseline: baseline.latency, rows };
  } finally {
    await api.stop();
  }
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

/** Prints the table; there is no target to pass or fail, only the numbers and ratios. */
export function reportQueries(result: QueryBenchResult): boolean {
  const { baseline } = result;
  console.log(
    `\nAPI queries with ${result.jobs.toLocaleString("en")} jobs (seeded in ${result.seedSeconds.toFixed(0)} s)`,
  );
  console.log(
    `baseline GetWorkspace: p50 ${ms(baseline.p50)}, p95 ${ms(baseline.p95)}, p99 ${ms(baseline.p99)}`,
  );
  console.log("| call | rows / jobs | p50 | p95 | p99 | p99 ÷ baseline p99 |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const row of result.rows) {
    const { p50, p95, p99 } = row.latency;
    console.log(
      `| ${row.name} | ${row.size.toLocaleString("en")} | ${ms(p50)} | ${ms(p95)} | ${ms(p99)} | ${(p99 / baseline.p99).toFixed(1)}× |`,
    );
  }
  return true;
}
