import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  CreateWorkspaceResponseSchema,
  DeleteWorkspaceResponseSchema,
  GetWorkspaceResponseSchema,
  ListWorkspacesResponseSchema,
  RenameWorkspaceResponseSchema,
  type CreateWorkspaceRequest,
  type DeleteWorkspaceRequest,
  type GetWorkspaceRequest,
  type ListWorkspacesRequest,
  type RenameWorkspaceRequest,
} from "@hangar/api/workspace_service_pb.js";
import { sql } from "kysely";
import { deleteWorkspaceTuples } from "../../authz/index.js";
import { writeAudit } from "../audit.js";
import { callerOf, requestInfo } from "../context.js";
import { notFound } from "../errors.js";
import { decodeKeysetToken, encodeKeysetToken, keyPatterns, nextPage } from "../pagination.js";
import { notifyPools } from "../runners/pool-signals.js";
import { requirePlatformAdmin, roleIn, rolesByWorkspace } from "../roles.js";
import type { ServiceDeps } from "../service-deps.js";
import { parseRequest } from "../validation.js";
import {
  createWorkspaceRequest,
  deleteRequest,
  idRequest,
  listWorkspacesRequest,
  renameWorkspaceRequest,
} from "./requests.js";
import { insertWorkspace } from "./create-workspace.js";
import { findWorkspace, toProject, toWorkspace } from "./rows.js";
import { deleteRunnersOf } from "./runner-teardown.js";

export function createWorkspaceHandlers(deps: ServiceDeps & { namespacePrefix: string }) {
  const { db, authorize, authorizer } = deps;

  return {
    async createWorkspace(request: CreateWorkspaceRequest, context: HandlerContext) {
      const input = parseRequest(createWorkspaceRequest, request);
      const caller = callerOf(context);
      await requirePlatformAdmin(authorizer, caller, "workspace.create");
      const { requestId } = requestInfo(context);
      const { workspace, project } = await db.transaction().execute((trx) =>
        insertWorkspace(trx, {
          ...input,
          namespacePrefix: deps.namespacePrefix,
          actor: caller.subject,
          owner: caller.subject,
          requestId,
        }),
      );
      return create(CreateWorkspaceResponseSchema, {
        workspace: toWorkspace(workspace, "owner"),
        defaultProject: toProject(project),
      });
    },

    async getWorkspace(request: GetWorkspaceRequest, context: HandlerContext) {
      const { id } = parseRequest(idRequest, request);
      const caller = callerOf(context);
      await authorize(caller, "workspace.read", { workspaceId: id }, "workspace", id);
      const row = await findWorkspace(db, id);
      if (row === undefined) throw notFound("workspace", id);
      const role = (await roleIn(authorizer, caller, id)) ?? "";
      return create(GetWorkspaceResponseSchema, { workspace: toWorkspace(row, role) });
    },

    async listWorkspaces(request: ListWorkspacesRequest, context: HandlerContext) {
      const input = parseRequest(listWorkspacesRequest, request);
      const caller = callerOf(context);
      const held = await rolesByWorkspace(db, caller);
      const visible = [...held.keys()];
      const filters = ["workspaces", caller.subject];
      const cursor = decodeKeysetToken(input.pageToken, filters, [keyPatterns.uuid]);
      if (visible.length === 0) return create(ListWorkspacesResponseSchema, {});
      let query = db
        .selectFrom("workspaces")
        .selectAll()
        .where("id", "in", visible)
        .where("deleted_at", "is", null);
      if (cursor !== undefined) query = query.where(sql<boolean>`id > ${cursor[0]}::uuid`);
      const rows = await query
        .orderBy("id")
        .limit(input.pageSize + 1)
        .execute();
      const { page, nextPageToken } = nextPage(rows, input.pageSize, (last) =>
        encodeKeysetToken([last.id], filters),
      );
      const workspaces = page.map((row) => toWorkspace(row, held.get(row.id) ?? ""));
      return create(ListWorkspacesResponseSchema, {
        workspaces,
        nextPageToken,
      });
    },

    async renameWorkspace(request: RenameWorkspaceRequest, context: HandlerContext) {
      const input = parseRequest(renameWorkspaceRequest, request);
      const caller = callerOf(context);
      await authorize(caller, "workspace.rename", { workspaceId: input.id }, "workspace", input.id);
      const { requestId } = requestInfo(context);
      const row = await db.transaction().execute(async (trx) => {
        const before = await findWorkspace(trx, input.id, { forUpdate: true });
        if (before === undefined) throw notFound("workspace", input.id);
        const after = await trx
          .updateTable("workspaces")
          .set({ name: input.name })
          .where("id", "=", input.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: input.id,
          objectType: "workspace",
          objectId: input.id,
          action: "workspace.rename",
          before,
          after,
          requestId,
        });
        return after;
      });
      const role = (await roleIn(authorizer, caller, input.id)) ?? "";
      return create(RenameWorkspaceResponseSchema, { workspace: toWorkspace(row, role) });
    },

    async deleteWorkspace(request: DeleteWorkspaceRequest, context: HandlerContext) {
      const input = parseRequest(deleteRequest, request);
      const caller = callerOf(context);
      await authorize(caller, "workspace.delete", { workspaceId: input.id }, "workspace", input.id);
      const { requestId, logger } = requestInfo(context);
      const runnerIds = await db.transaction().execute(async (trx) => {
        const before = await findWorkspace(trx, input.id, { forUpdate: true });
        if (before === undefined) throw notFound("workspace", input.id);
        const ids = await deleteRunnersOf(
          trx,
          { workspaceId: input.id },
          { force: input.force, what: "workspace" },
          { caller, requestId },
        );
        const after = await trx
          .updateTable("workspaces")
          .set({ deleted_at: new Date() })
          .where("id", "=", input.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        // Its tokens stop authenticating (authenticate.ts) and its tuples go, so nobody
        // keeps any role in it or in its projects.
        await deleteWorkspaceTuples(trx, input.id);
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: input.id,
          objectType: "workspace",
          objectId: input.id,
          action: "workspace.delete",
          before,
          after: { ...after, force: input.force, runners_deleted: ids.length },
          requestId,
        });
        return ids;
      });
      await notifyPools(deps.pools, runnerIds, { start: true }, logger);
      return create(DeleteWorkspaceResponseSchema, {});
    },
  };
}
