import { sql, type Kysely } from "kysely";
import type pg from "pg";
import type { OutboxSignal } from "../domain/routing.js";
import type { Database } from "../storage/schema.js";
import type { WebhookDeliveryStatus } from "../storage/schema/intake.js";

// The durable accept: a delivery row and its outbox rows, written together.

/** The channel the relay LISTENs on; NOTIFY is sent in the accepting transaction. */
export const OUTBOX_CHANNEL = "hangar_signal_outbox";

export interface DeliveryRecord {
  deliveryGuid: string;
  event: string;
  action: string | null;
  installationId: number | null;
  hookId: bigint | null;
  targetType: string | null;
  targetId: bigint | null;
  payloadBytes: number;
  /** The raw JSON text, kept for failed deliveries only (see handle-delivery.ts). */
  payloadJson: string | null;
  status: Exclude<WebhookDeliveryStatus, "received">;
  statusReason: string | null;
  /** W3C traceparent of the delivery's span, kept with its signals (absent: not traced). */
  traceParent?: string | null;
}

export type RecordOutcome = { kind: "recorded"; signals: number } | { kind: "duplicate" };

/**
 * Where deliveries are written. With the pool, the accepting statement runs as a named
 * prepared statement: PostgreSQL then plans it once per connection instead of once per
 * delivery, which doubles the rate the intake can accept (see docs/intake.md).
 */
export interface DeliveryStore {
  db: Kysely<Database>;
  pool?: pg.Pool;
}

const RECORD_STATEMENT = "hangar_intake_record_delivery";

/**
 * One statement, hence one transaction and one round trip: insert the delivery unless
 * its GUID is known, insert its signals only if the delivery row was written, and
 * NOTIFY the relay (delivered by PostgreSQL at commit, so a relay never wakes for rows
 * it cannot see yet).
 *
 * A GUID already recorded is a duplicate, except when it was recorded as `failed`
 * (its payload did not fit our schema): a redelivery then processes it again, so a
 * fixed intake can recover a delivery GitHub still holds.
 */
export async function recordDelivery(
  store: DeliveryStore,
  record: DeliveryRecord,
  signals: readonly OutboxSignal[],
): Promise<RecordOutcome> {
  const statement = deliveryStatement(record, signals);
  let rows: { recorded: number; signals: number }[];
  if (store.pool === undefined) {
    rows = (await statement.execute(store.db)).rows;
  } else {
    const compiled = statement.compile(store.db);
    const values = [...compiled.parameters];
    rows = (
      await store.pool.query<(typeof rows)[number]>({
        name: RECORD_STATEMENT,
        text: compiled.sql,
        values,
      })
    ).rows;
  }
  const row = rows[0];
  if (row === undefined || row.recorded === 0) return { kind: "duplicate" };
  return { kind: "recorded", signals: row.signals };
}

/**
 * The first key of the two-key advisory locks on workflow ids ("sgnl"). Two-key locks
 * never collide with single-key ones (the migrator's); two workflow ids whose hashes
 * collide only queue behind each other, which costs a wait, never an order.
 */
export const WORKFLOW_LOCK_SPACE = 0x73676e6c;

function deliveryStatement(record: DeliveryRecord, signals: readonly OutboxSignal[]) {
  const workflowIds = [...new Set(signals.map((s) => s.workflowId))];
  // Outbox ids are drawn before commit, so two deliveries for one workflow could commit
  // in the opposite order of their ids, and the relay send the later signal first. The
  // lock, held until commit, makes each workflow's ids follow commit order. It is taken
  // before the delivery row is written (the delivery insert waits for `locks`), and in
  // key order, so two deliveries waiting on each other's GUID or workflows cannot
  // deadlock.
  return sql<{ recorded: number; signals: number }>`
    WITH locks AS (
      SELECT pg_advisory_xact_lock(${WORKFLOW_LOCK_SPACE}::int4, k.key)
      FROM (SELECT DISTINCT hashtext(w) AS key FROM unnest(${workflowIds}::text[]) AS w) k
      ORDER BY k.key
    ), delivery AS (
      INSERT INTO webhook_deliveries (delivery_guid, event, action, installation_id, hook_id,
        target_type, target_id, payload_bytes, payload, status, status_reason, processed_at)
      SELECT ${record.deliveryGuid}::text, ${record.event}::text, ${record.action}::text,
        ${record.installationId}::int8, ${record.hookId}::int8, ${record.targetType}::text,
        ${record.targetId}::int8, ${record.payloadBytes}::int4, ${record.payloadJson}::jsonb,
        ${record.status}::text, ${record.statusReason}::text, now()
      WHERE (SELECT count(*) FROM locks) >= 0
      ON CONFLICT (delivery_guid) DO UPDATE SET
        event = excluded.event, action = excluded.action,
        installation_id = excluded.installation_id, payload_bytes = excluded.payload_bytes,
        payload = excluded.payload, status = excluded.status,
        status_reason = excluded.status_reason, processed_at = excluded.processed_at
        WHERE webhook_deliveries.status = 'failed'
      RETURNING delivery_guid
    ), signals AS (
      INSERT INTO signal_outbox (delivery_guid, workflow_id, workflow_type, signal_name, payload,
        trace_parent)
      SELECT d.delivery_guid, s.workflow_id, s.workflow_type, s.signal_name, s.payload,
        ${record.traceParent ?? null}::text
      FROM delivery d
      CROSS JOIN unnest(${signals.map((s) => s.workflowId)}::text[],
        ${signals.map((s) => s.workflowType)}::text[],
        ${signals.map((s) => s.signalName)}::text[],
        ${signals.map((s) => JSON.stringify(s.args))}::jsonb[])
        WITH ORDINALITY AS s(workflow_id, workflow_type, signal_name, payload, n)
      ORDER BY s.n
      ON CONFLICT ON CONSTRAINT signal_outbox_delivery_signal_key DO NOTHING
      RETURNING id
    )
    SELECT
      (SELECT count(*) FROM delivery)::int AS recorded,
      (SELECT count(*) FROM signals)::int AS signals,
      (SELECT count(*) FROM (SELECT pg_notify(${OUTBOX_CHANNEL}, '') FROM signals LIMIT 1) n)::int
        AS notified
  `;
}

export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_BATCH = 5000;

/**
 * Deletes deliveries received before `olderThan` (7 days ago by default: dedupe must
 * outlive GitHub's 3-day redelivery window), with their sent outbox rows through the
 * foreign key's cascade. A delivery that still has an unsent signal is kept, so
 * retention never drops work the relay has not done. Batched so that no single
 * statement holds many row locks. Returns how many deliveries were deleted.
 */
export async function pruneDeliveries(
  db: Kysely<Database>,
  olderThan: Date = new Date(Date.now() - DEFAULT_RETENTION_MS),
): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await sql`
      DELETE FROM webhook_deliveries
      WHERE delivery_guid IN (
        SELECT d.delivery_guid FROM webhook_deliveries d
        WHERE d.received_at < ${olderThan}
          AND NOT EXISTS (
            SELECT 1 FROM signal_outbox o
            WHERE o.delivery_guid = d.delivery_guid AND o.sent_at IS NULL)
        LIMIT ${PRUNE_BATCH})
    `.execute(db);
    const deleted = Number(result.numAffectedRows ?? 0n);
    total += deleted;
    if (deleted < PRUNE_BATCH) return total;
  }
}
