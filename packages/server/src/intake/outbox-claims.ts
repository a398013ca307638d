import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../storage/schema.js";

// The SQL of the relay: which outbox rows may be sent now, and what became of them.

export interface ClaimedSignal {
  id: bigint;
  workflowId: string;
  workflowType: string;
  signalName: string;
  args: unknown;
  attempts: number;
}

export type SendResult =
  | { id: bigint; kind: "sent" }
  | { id: bigint; kind: "dropped"; reason: string }
  | { id: bigint; kind: "failed"; error: string; retryInMs: number };

interface ClaimRow {
  id: bigint;
  workflow_id: string;
  workflow_type: string;
  signal_name: string;
  payload: unknown;
  attempts: number;
}

/**
 * Runs `send` over a batch of due rows, then records the results, all in one
 * transaction whose row locks keep every other relay off those rows meanwhile.
 *
 * Only the oldest unsent row of each workflow is claimable (no earlier unsent row for
 * the same workflow_id), so a batch holds at most one row per workflow and its rows
 * can be sent concurrently without reordering any workflow's signals. A row waiting
 * for its retry also holds back the rows behind it. SKIP LOCKED lets several relays
 * claim disjoint batches; a row locked by another relay blocks its successors through
 * the NOT EXISTS, because it is still unsent.
 *
 * Returns how many rows were claimed, and the latency of those sent or dropped.
 */
export async function relayBatch(
  db: Kysely<Database>,
  batchSize: number,
  send: (rows: ClaimedSignal[]) => Promise<SendResult[]>,
): Promise<{ claimed: number; results: SendResult[]; latenciesMs: Map<bigint, number> }> {
  return db.transaction().execute(async (trx) => {
    const claimed = await sql<ClaimRow>`
      SELECT o.id, o.workflow_id, o.workflow_type, o.signal_name, o.payload, o.attempts
      FROM signal_outbox o
      WHERE o.sent_at IS NULL AND o.next_attempt_at <= now()
        AND NOT EXISTS (
          SELECT 1 FROM signal_outbox e
          WHERE e.sent_at IS NULL AND e.workflow_id = o.workflow_id AND e.id < o.id)
      ORDER BY o.id
      LIMIT ${batchSize}
      FOR UPDATE OF o SKIP LOCKED
    `.execute(trx);
    if (claimed.rows.length === 0) return { claimed: 0, results: [], latenciesMs: new Map() };
    const results = await send(
      claimed.rows.map((row) => ({
        id: row.id,
        workflowId: row.workflow_id,
        workflowType: row.workflow_type,
        signalName: row.signal_name,
        args: row.payload,
        attempts: row.attempts,
      })),
    );
    const latenciesMs = await markDone(trx, results);
    await markFailed(trx, results);
    return { claimed: claimed.rows.length, results, latenciesMs };
  });
}

async function markDone(
  trx: Transaction<Database>,
  results: readonly SendResult[],
): Promise<Map<bigint, number>> {
  const done = results.filter((r) => r.kind !== "failed");
  if (done.length === 0) return new Map();
  // created_at is the accepting transaction's now(), i.e. the delivery's received_at;
  // clock_timestamp(), unlike now(), is the moment of this update, after the send.
  const updated = await sql<{ id: bigint; latency_ms: number }>`
    UPDATE signal_outbox o
    SET sent_at = clock_timestamp(), last_error = d.note
    FROM unnest(${done.map((r) => r.id.toString())}::int8[],
      ${done.map((r) => (r.kind === "dropped" ? r.reason : null))}::text[]) AS d(id, note)
    WHERE o.id = d.id
    RETURNING o.id, (extract(epoch FROM o.sent_at - o.created_at) * 1000)::float8 AS latency_ms
  `.execute(trx);
  return new Map(updated.rows.map((row) => [row.id, row.latency_ms]));
}

async function markFailed(trx: Transaction<Database>, results: readonly SendResult[]) {
  const failed = results.flatMap((r) => (r.kind === "failed" ? [r] : []));
  if (failed.length === 0) return;
  await sql`
    UPDATE signal_outbox o
    SET attempts = o.attempts + 1, last_error = f.error,
      next_attempt_at = clock_timestamp() + f.delay_ms * interval '1 millisecond'
    FROM unnest(${failed.map((r) => r.id.toString())}::int8[],
      ${failed.map((r) => r.error)}::text[],
      ${failed.map((r) => Math.round(r.retryInMs))}::int4[]) AS f(id, error, delay_ms)
    WHERE o.id = f.id
  `.execute(trx);
}
