import { sql, type Kysely } from "kysely";
import type { Database } from "./schema.js";

// The daily usage totals, maintained incrementally off the write path
// (0013_usage_rollup.sql). Writing an event only queues its contribution in
// usage_rollup_pending (a trigger, in the event's own transaction); rollUpUsage moves
// queued rows into usage_daily, deleting them in the statement that adds them, so
// every committed event is counted exactly once: in usage_daily or in the queue.
// Readers that need exact totals read exactDailyUsage(), both at once.

/** Two-key advisory lock space of the rollup ("usge"); one rollup runs at a time. */
const ROLLUP_LOCK_SPACE = 0x75736765;

/**
 * Moves up to `limit` queued events into usage_daily, in one transaction. Returns how
 * many it moved, or null when another rollup holds the lock (it will get to them).
 *
 * Crash safety is the transaction's: the queue rows are deleted and the totals moved
 * by a single statement, so a rollup killed at any point leaves both as they were.
 * The lock only keeps rollups from queueing on the same usage_daily rows (and from
 * deadlocking on them); correctness does not rest on it, since DELETE … RETURNING
 * hands each queued row to exactly one transaction.
 */
export async function rollUpUsage(
  db: Kysely<Database>,
  options: { limit?: number } = {},
): Promise<number | null> {
  const limit = options.limit ?? 10_000;
  return db.transaction().execute(async (tx) => {
    const { rows: locked } = await sql<{ locked: boolean }>`
      SELECT pg_try_advisory_xact_lock(${ROLLUP_LOCK_SPACE}::int4, 0) AS locked`.execute(tx);
    if (locked[0]?.locked !== true) return null;
    const { rows } = await sql<{ events: string }>`
      WITH batch AS (
        DELETE FROM usage_rollup_pending
        WHERE github_job_id IN (
          SELECT github_job_id FROM usage_rollup_pending LIMIT ${limit} FOR UPDATE SKIP LOCKED)
        RETURNING workspace_id, day, offering_id, currency, minutes, seconds, amount
      ), moved AS (
        INSERT INTO usage_daily (workspace_id, day, offering_id, currency, job_count, minutes,
          seconds, amount)
        SELECT workspace_id, day, offering_id, currency, count(*), sum(minutes), sum(seconds),
          sum(amount)
        FROM batch
        GROUP BY workspace_id, day, offering_id, currency
        -- A fixed order of row locks, should a writer ever upsert these rows too.
        ORDER BY workspace_id, day, offering_id, currency
        ON CONFLICT ON CONSTRAINT usage_daily_key DO UPDATE SET
          job_count = usage_daily.job_count + excluded.job_count,
          minutes = usage_daily.minutes + excluded.minutes,
          seconds = usage_daily.seconds + excluded.seconds,
          amount = usage_daily.amount + excluded.amount
      )
      SELECT count(*)::text AS events FROM batch`.execute(tx);
    return Number(rows[0]?.events ?? 0);
  });
}

/**
 * Rolls up until the queue is empty (or another rollup holds the lock). Returns how
 * many events this call moved.
 */
export async function rollUpAllUsage(
  db: Kysely<Database>,
  options: { limit?: number } = {},
): Promise<number> {
  const limit = options.limit ?? 10_000;
  let total = 0;
  for (;;) {
    const moved = await rollUpUsage(db, { limit });
    if (moved === null) return total;
    total += moved;
    if (moved < limit) return total;
  }
}

/**
 * usage_daily with the queued events added, one row each: the exact daily totals at
 * this statement's snapshot. Both halves are read by one statement, so a rollup
 * committing in between cannot count an event twice or miss it. Sum it grouped by
 * what the caller needs; filters on workspace_id and day reach both halves' indexes.
 */
export function exactDailyUsage(db: Kysely<Database>) {
  return db
    .selectFrom("usage_daily")
    .select([
      "workspace_id",
      "day",
      "offering_id",
      "currency",
      "job_count",
      "minutes",
      sql<string>`seconds`.as("seconds"),
      "amount",
    ])
    .unionAll(
      db
        .selectFrom("usage_rollup_pending")
        .select([
          "workspace_id",
          "day",
          "offering_id",
          "currency",
          sql<number>`1`.as("job_count"),
          "minutes",
          sql<string>`seconds::bigint`.as("seconds"),
          "amount",
        ]),
    )
    .as("usage_days");
}
