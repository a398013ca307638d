import type { Transaction } from "kysely";
import { revokeAll, tokenSubject, type Role } from "../../authz/index.js";
import type { Database } from "../../storage/schema.js";
import { writeAudit } from "../audit.js";
import { createApiToken } from "../tokens.js";
import { auditedToken, tokensQuery, type TokenRow } from "./rows.js";

// Creating and revoking a token with its audit record, as CreateApiToken and
// RevokeApiToken do, shared with `hangar admin bootstrap`. The caller has already decided
// that the actor may do it.

export interface AuditedChange {
  /** `token:<id>`, `user:<id>` or `system:<what>`. */
  actor: string;
  requestId: string | null;
  /** Recorded with the token in the audit record's `after`, e.g. how it was made. */
  note?: Record<string, unknown>;
}

export async function createAuditedToken(
  trx: Transaction<Database>,
  input: { workspaceId: string; name: string; role: Role; expiresAt: Date | null },
  change: AuditedChange,
): Promise<{ row: TokenRow; secret: string }> {
  const created = await createApiToken(trx, input);
  const row = await tokensQuery(trx).where("t.id", "=", created.id).executeTakeFirstOrThrow();
  await writeAudit(trx, {
    actor: change.actor,
    workspaceId: input.workspaceId,
    objectType: "api_token",
    objectId: created.id,
    action: "token.create",
    before: null,
    after: { ...auditedToken(row), ...change.note },
    requestId: change.requestId,
  });
  return { row: { ...row, creator: change.actor }, secret: created.token };
}

/**
 * Revokes the token and every grant it held (its workspace role, platform admin). An
 * already revoked token is returned as it is, with nothing recorded; undefined when there
 * is no such token.
 */
export async function revokeAuditedToken(
  trx: Transaction<Database>,
  id: string,
  change: AuditedChange,
): Promise<TokenRow | undefined> {
  const before = await tokensQuery(trx).where("t.id", "=", id).forUpdate().executeTakeFirst();
  if (before === undefined || before.revoked_at !== null) return before;
  await trx
    .updateTable("api_tokens")
    .set({ revoked_at: new Date() })
    .where("id", "=", id)
    .execute();
  await revokeAll(trx, tokenSubject(id));
  const after = await tokensQuery(trx).where("t.id", "=", id).executeTakeFirstOrThrow();
  await writeAudit(trx, {
    actor: change.actor,
    workspaceId: after.workspace_id,
    objectType: "api_token",
    objectId: id,
    action: "token.revoke",
    before: auditedToken(before),
    after: { ...auditedToken(after), ...change.note },
    requestId: change.requestId,
  });
  return after;
}
