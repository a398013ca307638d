import type { Transaction } from "kysely";
import type { Database } from "../storage/schema.js";

// Every mutation records who changed what, in the transaction that changes it: the
// change and its record commit together or not at all.

export interface AuditRecord {
  /** `token:<uuid>`, `user:<uuid>` or `system:<role>`. */
  actor: string;
  workspaceId: string | null;
  objectType: string;
  objectId: string;
  /** e.g. "runner.create", "runner.suspend". */
  action: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

/** Dates become ISO strings and bigints decimal strings, so any row can be recorded. */
function toJson(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === "bigint" ? item.toString() : item,
  );
}

export async function writeAudit(trx: Transaction<Database>, record: AuditRecord): Promise<void> {
  await trx
    .insertInto("audit_log")
    .values({
      actor: record.actor,
      workspace_id: record.workspaceId,
      object_type: record.objectType,
      object_id: record.objectId,
      action: record.action,
      before: toJson(record.before),
      after: toJson(record.after),
      request_id: record.requestId,
    })
    .execute();
}
