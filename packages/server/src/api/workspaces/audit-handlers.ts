import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  ListAuditEventsResponseSchema,
  type ListAuditEventsRequest,
} from "@hangar/api/workspace_service_pb.js";
import { sql } from "kysely";
import { callerOf } from "../context.js";
import { decodeKeysetToken, encodeKeysetToken, keyPatterns, nextPage } from "../pagination.js";
import type { ServiceDeps } from "../service-deps.js";
import { parseRequest } from "../validation.js";
import { listAuditEventsRequest } from "./requests.js";
import { toAuditEvent } from "./rows.js";

// The workspace's audit log, newest first. Pages follow the identity column, which
// only grows, so a page never repeats or skips a row written meanwhile.

export function createAuditHandlers(deps: ServiceDeps) {
  const { db, authorize } = deps;
  return {
    async listAuditEvents(request: ListAuditEventsRequest, context: HandlerContext) {
      const input = parseRequest(listAuditEventsRequest, request);
      await authorize(callerOf(context), "audit.read", input, "workspace", input.workspaceId);
      const filters = [
        "audit",
        input.workspaceId,
        input.objectType ?? "",
        input.objectId ?? "",
        input.actor ?? "",
        input.startTime?.toISOString() ?? "",
        input.endTime?.toISOString() ?? "",
      ];
      const cursor = decodeKeysetToken(input.pageToken, filters, [keyPatterns.int]);
      let query = db
        .selectFrom("audit_log")
        .selectAll()
        .where("workspace_id", "=", input.workspaceId);
      if (input.objectType !== undefined) query = query.where("object_type", "=", input.objectType);
      if (input.objectId !== undefined) query = query.where("object_id", "=", input.objectId);
      if (input.actor !== undefined) query = query.where("actor", "=", input.actor);
      if (input.startTime !== undefined) query = query.where("at", ">=", input.startTime);
      if (input.endTime !== undefined) query = query.where("at", "<", input.endTime);
      if (cursor !== undefined) query = query.where(sql<boolean>`id < ${cursor[0]}::bigint`);
      const rows = await query
        .orderBy("id", "desc")
        .limit(input.pageSize + 1)
        .execute();
      const { page, nextPageToken } = nextPage(rows, input.pageSize, (last) =>
        encodeKeysetToken([last.id.toString()], filters),
      );
      return create(ListAuditEventsResponseSchema, {
        events: page.map(toAuditEvent),
        nextPageToken,
      });
    },
  };
}
