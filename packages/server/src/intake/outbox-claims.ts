import { sql, type Kysely, type Transaction } from "kysely";
import type { Database } from "../storage/schema.js";

// The SQL of the relay: which outbox rows may be sent now, and what became of them.

export interface ClaimedSignal {
  id: bigint;
  /** Null for signals no delivery caused. */
  deliveryGuid: string | null;
  workflowId: string;
  workflowType: string;
  signalName: string;
  args: unknown;
  attempts: number;
  /** Failed attempts Temporal refused for a reason other than unavailability. */
  permanentFailures: number;
  /** The W3C traceparent of the delivery that enqueued it, when it was traced. */
  traceParent: string | null;
}

export type SendResult =
  | { id: bigint; kind: "sent" }
  | { id: bigint; kind: "dropped"; reason: string }
  | { id: bigint; kind: "failed"; error: string; permanent: boolean; retryInMs: number }
  | { id: bigint; kind: "dead-lettered"; error: string };

export interface DeadLetter {
  id: bigint;
  deliveryGuid: string | null;
  workflowId: string;
  signalName: string;
  attempts: number;
}

interface ClaimRow {
  id: bigint;
  delivery_guid: string | null;
  workflow_id: string;
  workflow_type: string;
  signal_name: string;
  payload: unknown;
  attempts: number;
  permanent_failures: number;
  trace_parent: string | null;
}

export interface RelayRound {
  claimed: number;
  results: SendResult[];
  latenciesMs: Map<bigint, number>;
  deadLetters: DeadLetter[];
}

/**
 * Runs `send` over a batch of due rows, then records the results, all in one
 * transaction whose row locks keep every other relay off those rows meanwhile.
 *
 * Only the oldest pending (unsent, not dead-lettered) row of each workflow is
 * claimable, so a batch holds at most one row per workflow and its rows can be sent
 * concurrently without reordering any workflow's signals. The intake's per-workflow
 * advisory lock makes id order the commit order within a workflow, so "oldest" is
 * also "accepted first", and a row visible here has every earlier row of its workflow
 * visible too. A row waiting for its retry holds back the rows behind it; a
 * dead-lettered one no longer does. SKIP LOCKED lets several relays claim disjoint
 * batches; a row locked by another relay blocks its successors through the NOT
 * EXISTS, because it is still pending.
 *
 * The walk follows signal_outbox_pending_idx in id order and stops at the batch size;
 * the NOT EXISTS is one probe of signal_outbox_pending_workflow_idx (see migration
 * 0008 and docs/intake.md for the plan).
 */
export async function relayBatch(
  db: Kysely<Database>,
  batchSize: number,
  send: (rows: ClaimedSignal[]) => Promise<SendResult[]>,
): Promise<RelayRound> {
  return db.transaction().execute(async (trx) => {
    const claimed = await sql<ClaimRow>`
      SELECT o.id, o.delivery_guid, o.workflow_id, o.workflow_type, o.signal_name, o.payload,
        o.attempts, o.permanent_failures, o.trace_parent
      FROM signal_outbox o
      WHERE o.sent_at IS NULL AND o.dead_lettered_at IS NULL AND o.next_attempt_at <= now()
        AND NOT EXISTS (
          SELECT 1 FROM signal_outbox e
          WHERE e.workflow_id = o.workflow_id AND e.id < o.id
            AND e.sent_at IS NULL AND e.dead_lettered_at IS NULL)
      ORDER BY o.id
      LIMIT ${batchSize}
      FOR UPDATE OF o SKIP LOCKED
    `.execute(trx);
    if (claimed.rows.length === 0) {
      return { claimed: 0, results: [], latenciesMs: new Map(), deadLetters: [] };
    }
    const results = await send(
      claimed.rows.map((row) => ({
        id: row.id,
        deliveryGuid: row.delivery_guid,
        workflowId: row.workflow_id,
        workflowType: row.workflow_type,
        signalName: row.signal_name,
        args: row.payload,
        attempts: row.attempts,
        permanentFailures: row.permanent_failures,
        traceParent: row.trace_parent,
      })),
    );
    const latenciesMs = await markDone(trx, results);
    await markFailed(trx, results);
    const deadLetters = await markDeadLettered(trx, results);
    return { claimed: claimed.rows.length, results, latenciesMs, deadLetters };
  });
}

async function markDone(
  trx: Transaction<Database>,
  results: readonly SendResult[],
): Promise<Map<bigint, number>> {
  const done = results.filter((r) => r.kind === "sent" || r.kind === "dropped");
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
    SET attempts = o.attempts + 1,
      permanent_failures = o.permanent_failures + f.permanent::int,
      last_error = f.error,
      next_attempt_at = clock_timestamp() + f.delay_ms * interval '1 millisecond'
    FROM unnest(${failed.map((r) => r.id.toString())}::int8[],
      ${failed.map((r) => r.error)}::text[],
      ${failed.map((r) => r.permanent)}::bool[],
      ${failed.map((r) => Math.round(r.retryInMs))}::int4[]) AS f(id, error, permanent, delay_ms)
    WHERE o.id = f.id
  `.execute(trx);
}

/**
 * Sets rows aside for good, in the claim's transaction: the workflow's next row is
 * claimable as soon as this commits. The delivery that caused a dead letter is marked
 * failed with the reason, so that the delivery record says its signal never arrived.
 */
async function markDeadLettered(
  trx: Transaction<Database>,
  results: readonly SendResult[],
): Promise<DeadLetter[]> {
  const dead = results.flatMap((r) => (r.kind === "dead-lettered" ? [r] : []));
  if (dead.length === 0) return [];
  const rows = await sql<{
    id: bigint;
    delivery_guid: string | null;
    workflow_id: string;
    signal_name: string;
    attempts: number;
  }>`
    UPDATE signal_outbox o
    SET attempts = o.attempts + 1, permanent_failures = o.permanent_failures + 1,
      last_error = f.error, dead_lettered_at = clock_timestamp()
    FROM unnest(${dead.map((r) => r.id.toString())}::int8[], ${dead.map((r) => r.error)}::text[])
      AS f(id, error)
    WHERE o.id = f.id
    RETURNING o.id, o.delivery_guid, o.workflow_id, o.signal_name, o.attempts
  `.execute(trx);
  await sql`
    UPDATE webhook_deliveries d
    SET status = 'failed',
      status_reason = left(format('signal %s to %s dead-lettered after %s attempts: %s',
        o.signal_name, o.workflow_id, o.attempts, o.last_error), 2000)
    FROM signal_outbox o
    WHERE o.id = ANY(${rows.rows.map((r) => r.id.toString())}::int8[])
      AND d.delivery_guid = o.delivery_guid
  `.execute(trx);
  return rows.rows.map((row) => ({
    id: row.id,
    deliveryGuid: row.delivery_guid,
    workflowId: row.workflow_id,
    signalName: row.signal_name,
    attempts: row.attempts,
  }));
}
