import { sql, type Kysely, type Transaction } from "kysely";
import { z } from "zod";
import { check, grantRole, PLATFORM_ADMIN, PLATFORM_OBJECT, tokenSubject } from "../authz/index.js";
import { insertWorkspace } from "../api/workspaces/create-workspace.js";
import { createApiTokenRequest, createWorkspaceRequest } from "../api/workspaces/requests.js";
import { tokensQuery, type TokenRow } from "../api/workspaces/rows.js";
import { createAuditedToken, revokeAuditedToken } from "../api/workspaces/token-records.js";
import type { Database } from "../storage/schema.js";

// The first token of a platform, made straight in the database by an operator who has
// access to it (`hangar admin bootstrap`), before any token exists to call the API with.
// One transaction: the workspace (unless it exists), an owner token and, when asked, the
// platform administrator grant, each audited as the API records them, with
// `system:bootstrap` as the actor. The audit records are also how a bootstrap token is
// recognised later: the token whose creation `system:bootstrap` recorded.
//
// A workspace keeps at most one live bootstrap token. A second run while it lives is
// refused, so that a re-run script cannot quietly mint another owner (and platform
// administrator) credential; `rotate` revokes it and makes the new one. A bootstrap token
// that expired or was revoked blocks nothing: making a new one is how an operator gets
// back in when every token has lapsed.

export const BOOTSTRAP_ACTOR = "system:bootstrap";

export interface BootstrapRequest {
  slug: string;
  /** The name of a workspace this creates; an existing one keeps its own. */
  name: string;
  namespacePrefix: string;
  tokenName: string;
  expiresAt: Date | null;
  platformAdmin: boolean;
  rotate: boolean;
  /** Who ran it ("alice@ops-1"), kept in the audit records. */
  operator: string;
}

export type BootstrapOutcome =
  | {
      kind: "refused";
      workspaceId: string;
      /** The live bootstrap token that a run without `rotate` leaves alone. */
      existing: TokenRow;
    }
  | {
      kind: "created";
      workspaceId: string;
      workspaceName: string;
      workspaceCreated: boolean;
      tokenId: string;
      token: string;
      expiresAt: Date | null;
      /** Earlier bootstrap tokens revoked by `rotate`. */
      revoked: TokenRow[];
      /** A revoked token was platform administrator and the new one is not. */
      platformAdminDropped: boolean;
    };

/** The request's values are refused with the API's own rules for them. */
export class BootstrapRequestError extends Error {
  override name = "BootstrapRequestError";
}

const fields = z.object({
  slug: createWorkspaceRequest.shape.slug,
  name: createWorkspaceRequest.shape.name,
  tokenName: createApiTokenRequest.shape.name,
});

function validated(request: BootstrapRequest): BootstrapRequest {
  const parsed = fields.safeParse(request);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${String(issue.path.at(-1) ?? "request")} ${issue.message}`,
    );
    throw new BootstrapRequestError(problems.join("; "));
  }
  if (request.expiresAt !== null && request.expiresAt.getTime() <= Date.now()) {
    throw new BootstrapRequestError("the token's expiry must be in the future");
  }
  return { ...request, ...parsed.data };
}

function isLive(token: TokenRow, now: Date): boolean {
  return token.revoked_at === null && (token.expires_at === null || token.expires_at > now);
}

async function liveBootstrapTokens(trx: Transaction<Database>, workspaceId: string) {
  const rows = await tokensQuery(trx)
    .where("t.workspace_id", "=", workspaceId)
    .where("t.revoked_at", "is", null)
    .orderBy("t.created_at")
    .execute();
  const now = new Date();
  return rows.filter((row) => row.creator === BOOTSTRAP_ACTOR && isLive(row, now));
}

function isPlatformAdmin(trx: Transaction<Database>, tokenId: string): Promise<boolean> {
  return check(trx, {
    namespace: "platform",
    object: PLATFORM_OBJECT,
    relation: PLATFORM_ADMIN,
    subject: tokenSubject(tokenId),
  });
}

export async function bootstrap(
  db: Kysely<Database>,
  input: BootstrapRequest,
): Promise<BootstrapOutcome> {
  const request = validated(input);
  return db.transaction().execute(async (trx) => {
    // Two runs for the same slug at once would each see no token and both make one.
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`bootstrap:${request.slug}`}, 0))`.execute(
      trx,
    );
    const change = {
      actor: BOOTSTRAP_ACTOR,
      requestId: null,
      note: { via: "hangar admin bootstrap", operator: request.operator },
    };
    const found = await trx
      .selectFrom("workspaces")
      .selectAll()
      .where("slug", "=", request.slug)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    const workspace =
      found ??
      (
        await insertWorkspace(trx, {
          slug: request.slug,
          name: request.name,
          namespacePrefix: request.namespacePrefix,
          actor: BOOTSTRAP_ACTOR,
          requestId: null,
        })
      ).workspace;

    const earlier = await liveBootstrapTokens(trx, workspace.id);
    const [first] = earlier;
    if (first !== undefined && !request.rotate) {
      return { kind: "refused", workspaceId: workspace.id, existing: first };
    }
    let platformAdminDropped = false;
    const revoked: TokenRow[] = [];
    for (const token of earlier) {
      if (!request.platformAdmin && (await isPlatformAdmin(trx, token.id))) {
        platformAdminDropped = true;
      }
      const row = await revokeAuditedToken(trx, token.id, change);
      if (row !== undefined) revoked.push(row);
    }

    const { row, secret } = await createAuditedToken(
      trx,
      {
        workspaceId: workspace.id,
        name: request.tokenName,
        role: "owner",
        expiresAt: request.expiresAt,
      },
      { ...change, note: { ...change.note, platform_admin: request.platformAdmin } },
    );
    if (request.platformAdmin) {
      await grantRole(trx, {
        namespace: "platform",
        object: PLATFORM_OBJECT,
        role: PLATFORM_ADMIN,
        subject: tokenSubject(row.id),
      });
    }
    return {
      kind: "created",
      workspaceId: workspace.id,
      workspaceName: workspace.name,
      workspaceCreated: found === undefined,
      tokenId: row.id,
      token: secret,
      expiresAt: row.expires_at,
      revoked,
      platformAdminDropped,
    };
  });
}
