import { sql, type Kysely } from "kysely";
import { liveInstanceStates } from "../activities/runner-configurations.js";
import type { Database } from "../storage/schema.js";

// What the demo's traffic really did, read back from the database: the rows the
// workflows wrote, not what the demo asked for.

export interface DemoJobs {
  queued: number;
  /** Jobs Hangar has a record of (from any of their events). */
  recorded: number;
  /** Jobs whose completed event Hangar recorded. */
  completed: number;
  succeeded: number;
  /** Seconds from queued to started (GitHub's timestamps), of the jobs that started. */
  queueSeconds: number[];
}

export interface DemoRunners {
  /** Instances the pool started: each one a Secret and a Pod in the workspace's namespace. */
  started: number;
  /** Of those, how many came up and connected to GitHub (idle, or straight to a job). */
  connected: number;
  ranJob: number;
  failed: number;
}

export async function readDemoJobs(
  db: Kysely<Database>,
  jobIds: readonly number[],
): Promise<DemoJobs> {
  if (jobIds.length === 0) {
    return { queued: 0, recorded: 0, completed: 0, succeeded: 0, queueSeconds: [] };
  }
  const rows = await db
    .selectFrom("jobs")
    .select(["status", "conclusion", "queue_seconds"])
    .where(
      "github_job_id",
      "in",
      jobIds.map((id) => BigInt(id)),
    )
    .execute();
  return {
    queued: jobIds.length,
    recorded: rows.length,
    completed: rows.filter((r) => r.status === "completed").length,
    succeeded: rows.filter((r) => r.conclusion === "success").length,
    queueSeconds: rows
      .map((r) => r.queue_seconds)
      .filter((s) => s !== null)
      .sort((a, b) => a - b),
  };
}

export async function readDemoRunners(
  db: Kysely<Database>,
  runnerId: string,
  since: Date,
): Promise<DemoRunners> {
  const row = await db
    .selectFrom("runner_instances")
    .select([
      sql<number>`count(*)::int`.as("started"),
      sql<number>`count(*) FILTER (WHERE registered_at IS NOT NULL OR job_started_at IS NOT NULL)::int`.as(
        "connected",
      ),
      sql<number>`count(job_started_at)::int`.as("ranJob"),
      sql<number>`count(*) FILTER (WHERE state = 'failed')::int`.as("failed"),
    ])
    .where("runner_id", "=", runnerId)
    .where("created_at", ">=", since)
    .executeTakeFirstOrThrow();
  return row;
}

/** Whether an instance started since `since` has connected and waits for a job. */
export async function hasIdleRunner(
  db: Kysely<Database>,
  runnerId: string,
  since: Date,
): Promise<boolean> {
  const row = await db
    .selectFrom("runner_instances")
    .select("id")
    .where("runner_id", "=", runnerId)
    .where("state", "=", "idle")
    .where("created_at", ">=", since)
    .executeTakeFirst();
  return row !== undefined;
}

/** Instances started before `since` that are still live. */
export async function countEarlierLiveRunners(
  db: Kysely<Database>,
  runnerId: string,
  since: Date,
): Promise<number> {
  const row = await db
    .selectFrom("runner_instances")
    .select(sql<number>`count(*)::int`.as("count"))
    .where("runner_id", "=", runnerId)
    .where("state", "in", liveInstanceStates)
    .where("created_at", "<", since)
    .executeTakeFirstOrThrow();
  return row.count;
}

export async function countDeliveries(db: Kysely<Database>, since: Date) {
  const statuses = await db
    .selectFrom("webhook_deliveries")
    .select(["status", sql<number>`count(*)::int`.as("count")])
    .where("received_at", ">=", since)
    .groupBy("status")
    .execute();
  const count = (status: string): number => statuses.find((s) => s.status === status)?.count ?? 0;
  return { routed: count("routed"), ignored: count("ignored"), failed: count("failed") };
}

export async function countSyncedRepositories(
  db: Kysely<Database>,
  installationId: number,
): Promise<number> {
  const row = await db
    .selectFrom("repositories")
    .select(sql<number>`count(*)::int`.as("count"))
    .where("installation_id", "=", BigInt(installationId))
    .where("removed_at", "is", null)
    .executeTakeFirst();
  return row?.count ?? 0;
}
