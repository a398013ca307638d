import { Code, ConnectError } from "@connectrpc/connect";
import { sql, type Kysely } from "kysely";
import { tokenSubject } from "../authz/model.js";
import type { Database } from "../storage/schema.js";
import type { Caller } from "./context.js";
import { hashToken, looksLikeToken } from "./tokens.js";

// `Authorization: Bearer hgr_…` → the token's caller, or Unauthenticated. A token is
// looked up by the SHA-256 of its text; one that has expired or was revoked, or whose
// workspace was deleted, authenticates nobody. The messages name the reason only to
// the holder of that very token, who learns nothing new from it.

/** last_used_at is for people ("used 3 minutes ago"), so a minute's staleness is fine. */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface Authenticator {
  authenticate(authorization: string | null): Promise<Caller>;
}

function unauthenticated(message: string): ConnectError {
  return new ConnectError(message, Code.Unauthenticated, {
    "www-authenticate": 'Bearer realm="hangar"',
  });
}

export function createAuthenticator(deps: {
  db: Kysely<Database>;
  now?: () => Date;
  /** Told when recording a token's use failed; the request itself goes on. */
  onLastUsedError?: (error: unknown) => void;
}): Authenticator {
  const now = deps.now ?? (() => new Date());
  return {
    async authenticate(authorization) {
      if (authorization === null || authorization === "") {
        throw unauthenticated("missing API token: send Authorization: Bearer hgr_…");
      }
      const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
      if (match === null) throw unauthenticated("Authorization must be Bearer <API token>");
      const token = match[1] ?? "";
      if (!looksLikeToken(token)) throw unauthenticated("invalid API token");
      const row = await deps.db
        .selectFrom("api_tokens as t")
        .innerJoin("workspaces as w", "w.id", "t.workspace_id")
        .select([
          "t.id",
          "t.workspace_id",
          "t.expires_at",
          "t.revoked_at",
          "t.last_used_at",
          "w.deleted_at as workspace_deleted_at",
        ])
        .where("t.secret_hash", "=", hashToken(token))
        .executeTakeFirst();
      if (row === undefined || row.workspace_deleted_at !== null) {
        throw unauthenticated("invalid API token");
      }
      const at = now();
      if (row.revoked_at !== null) throw unauthenticated("the API token was revoked");
      if (row.expires_at !== null && row.expires_at <= at) {
        throw unauthenticated("the API token has expired");
      }
      if (
        row.last_used_at === null ||
        at.getTime() - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS
      ) {
        // Not awaited by the request: a slow write must not slow every call. The guard
        // keeps replicas racing on the same token to one write a minute.
        deps.db
          .updateTable("api_tokens")
          .set({ last_used_at: at })
          .where("id", "=", row.id)
          .where((eb) =>
            eb.or([
              eb("last_used_at", "is", null),
              eb("last_used_at", "<", sql<Date>`${at}::timestamptz - interval '1 minute'`),
            ]),
          )
          .execute()
          .catch((error: unknown) => deps.onLastUsedError?.(error));
      }
      return { subject: tokenSubject(row.id), tokenId: row.id, workspaceId: row.workspace_id };
    },
  };
}
