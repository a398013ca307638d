import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  CreateApiTokenResponseSchema,
  ListApiTokensResponseSchema,
  RevokeApiTokenResponseSchema,
  type CreateApiTokenRequest,
  type ListApiTokensRequest,
  type RevokeApiTokenRequest,
} from "@hangar/api/workspace_service_pb.js";
import { sql } from "kysely";
import type { Role } from "../../authz/index.js";
import { callerOf, requestInfo } from "../context.js";
import { notFound, permissionDenied } from "../errors.js";
import { decodeKeysetToken, encodeKeysetToken, keyPatterns, nextPage } from "../pagination.js";
import { includes, roleIn } from "../roles.js";
import type { ServiceDeps } from "../service-deps.js";
import { idRequest } from "./requests.js";
import { parseRequest } from "../validation.js";
import { createApiTokenRequest, listApiTokensRequest } from "./requests.js";
import { findWorkspace, toApiToken, tokensQuery } from "./rows.js";
import { createAuditedToken, revokeAuditedToken } from "./token-records.js";

// API tokens. A token never holds a role above its creator's, and only a caller holding
// at least a token's role may revoke it (an admin cannot cut off the owners' tokens).
// The secret exists in one response only; the database keeps its hash.

export function createTokenHandlers(deps: ServiceDeps) {
  const { db, authorize, authorizer } = deps;

  const requireRole = async (
    caller: Parameters<typeof roleIn>[1],
    workspaceId: string,
    role: Role,
  ) => {
    const held = await roleIn(authorizer, caller, workspaceId);
    if (held === undefined || !includes(held, role)) {
      throw permissionDenied(`a ${role} token (above the caller's own role)`);
    }
  };

  return {
    async createApiToken(request: CreateApiTokenRequest, context: HandlerContext) {
      const input = parseRequest(createApiTokenRequest, request);
      const caller = callerOf(context);
      await authorize(caller, "token.write", input, "workspace", input.workspaceId);
      await requireRole(caller, input.workspaceId, input.role);
      const { requestId } = requestInfo(context);
      const { row, secret } = await db.transaction().execute(async (trx) => {
        if ((await findWorkspace(trx, input.workspaceId)) === undefined) {
          throw notFound("workspace", input.workspaceId);
        }
        return createAuditedToken(
          trx,
          {
            workspaceId: input.workspaceId,
            name: input.name,
            role: input.role,
            expiresAt: input.expireTime ?? null,
          },
          { actor: caller.subject, requestId },
        );
      });
      return create(CreateApiTokenResponseSchema, { token: toApiToken(row), secret });
    },

    async listApiTokens(request: ListApiTokensRequest, context: HandlerContext) {
      const input = parseRequest(listApiTokensRequest, request);
      await authorize(callerOf(context), "token.read", input, "workspace", input.workspaceId);
      const filters = ["tokens", input.workspaceId, input.includeInactive];
      const cursor = decodeKeysetToken(input.pageToken, filters, [
        keyPatterns.time,
        keyPatterns.uuid,
      ]);
      let query = tokensQuery(db)
        .select(
          sql<string>`to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
            "cursor_time",
          ),
        )
        .where("t.workspace_id", "=", input.workspaceId);
      if (!input.includeInactive) {
        query = query
          .where("t.revoked_at", "is", null)
          .where((eb) =>
            eb.or([eb("t.expires_at", "is", null), eb("t.expires_at", ">", sql<Date>`now()`)]),
          );
      }
      if (cursor !== undefined) {
        query = query.where(
          sql<boolean>`(t.created_at, t.id) < (${cursor[0]}::timestamptz, ${cursor[1]}::uuid)`,
        );
      }
      const rows = await query
        .orderBy("t.created_at", "desc")
        .orderBy("t.id", "desc")
        .limit(input.pageSize + 1)
        .execute();
      const { page, nextPageToken } = nextPage(rows, input.pageSize, (last) =>
        encodeKeysetToken([last.cursor_time, last.id], filters),
      );
      return create(ListApiTokensResponseSchema, {
        tokens: page.map(toApiToken),
        nextPageToken,
      });
    },

    async revokeApiToken(request: RevokeApiTokenRequest, context: HandlerContext) {
      const { id } = parseRequest(idRequest, request);
      const caller = callerOf(context);
      const current = await tokensQuery(db).where("t.id", "=", id).executeTakeFirst();
      if (current === undefined) throw notFound("API token", id);
      await authorize(
        caller,
        "token.write",
        { workspaceId: current.workspace_id },
        "API token",
        id,
      );
      await requireRole(caller, current.workspace_id, current.role);
      const { requestId } = requestInfo(context);
      const row = await db.transaction().execute(async (trx) => {
        const after = await revokeAuditedToken(trx, id, { actor: caller.subject, requestId });
        if (after === undefined) throw notFound("API token", id);
        return after;
      });
      return create(RevokeApiTokenResponseSchema, { token: toApiToken(row) });
    },
  };
}
