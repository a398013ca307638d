import { sql, type Kysely } from "kysely";
import type { Database } from "../storage/schema.js";
import { OUTBOX_CHANNEL } from "./deliveries.js";

// Outbox rows the relay set aside because Temporal kept refusing them for a reason
// other than unavailability (see outbox-relay.ts). They wait here, unsent, with the
// reason in last_error, until an operator has fixed the cause and requeues them.

export interface DeadLetterRow {
  id: bigint;
  deliveryGuid: string | null;
  workflowId: string;
  workflowType: string;
  signalName: string;
  attempts: number;
  lastError: string | null;
  deadLetteredAt: Date;
}

/** Dead letters, oldest first. */
export async function listDeadLetters(
  db: Kysely<Database>,
  options: { limit?: number } = {},
): Promise<DeadLetterRow[]> {
  const rows = await db
    .selectFrom("signal_outbox")
    .select([
      "id",
      "delivery_guid",
      "workflow_id",
      "workflow_type",
      "signal_name",
      "attempts",
      "last_error",
      "dead_lettered_at",
    ])
    .where("dead_lettered_at", "is not", null)
    .$narrowType<{ dead_lettered_at: Date }>()
    .orderBy("id")
    .limit(options.limit ?? 1_000)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    deliveryGuid: row.delivery_guid,
    workflowId: row.workflow_id,
    workflowType: row.workflow_type,
    signalName: row.signal_name,
    attempts: row.attempts,
    lastError: row.last_error,
    deadLetteredAt: row.dead_lettered_at,
  }));
}

/**
 * Puts dead letters back in the outbox with a fresh attempt budget, due now, and wakes
 * the relays. A requeued row is its workflow's oldest pending row again, so it goes
 * before that workflow's rows still waiting, but after those already sent while it was
 * set aside: requeueing cannot restore an order that has been given up. Deliveries
 * left with no dead letter go back from `failed` to `routed`. Returns how many rows
 * were requeued.
 */
export async function requeueDeadLetters(
  db: Kysely<Database>,
  which: "all" | { ids: readonly bigint[] },
): Promise<number> {
  const ids = which === "all" ? null : which.ids.map((id) => id.toString());
  if (ids !== null && ids.length === 0) return 0;
  return db.transaction().execute(async (trx) => {
    const requeued = await sql<{ delivery_guid: string | null }>`
      UPDATE signal_outbox
      SET dead_lettered_at = NULL, attempts = 0, permanent_failures = 0,
        next_attempt_at = now()
      WHERE dead_lettered_at IS NOT NULL
        AND (${ids}::int8[] IS NULL OR id = ANY(${ids}::int8[]))
      RETURNING delivery_guid
    `.execute(trx);
    const guids = [
      ...new Set(requeued.rows.flatMap((r) => (r.delivery_guid === null ? [] : [r.delivery_guid]))),
    ];
    if (guids.length > 0) {
      await sql`
        UPDATE webhook_deliveries d
        SET status = 'routed', status_reason = NULL
        WHERE d.delivery_guid = ANY(${guids}::text[]) AND d.status = 'failed'
          AND NOT EXISTS (
            SELECT 1 FROM signal_outbox o
            WHERE o.delivery_guid = d.delivery_guid AND o.dead_lettered_at IS NOT NULL)
      `.execute(trx);
    }
    // Delivered at commit, like the intake's own notification.
    if (requeued.rows.length > 0) await sql`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`.execute(trx);
    return requeued.rows.length;
  });
}
