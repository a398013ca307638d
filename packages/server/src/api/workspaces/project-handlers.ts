import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  CreateProjectResponseSchema,
  DeleteProjectResponseSchema,
  ListProjectsResponseSchema,
  RenameProjectResponseSchema,
  type CreateProjectRequest,
  type DeleteProjectRequest,
  type ListProjectsRequest,
  type RenameProjectRequest,
} from "@hangar/api/workspace_service_pb.js";
import { sql } from "kysely";
import { deleteObjectTuples, writeProjectTuples } from "../../authz/index.js";
import { writeAudit } from "../audit.js";
import { callerOf, requestInfo, type Caller } from "../context.js";
import { failedPrecondition, notFound } from "../errors.js";
import { decodeKeysetToken, encodeKeysetToken, keyPatterns, nextPage } from "../pagination.js";
import { notifyPools } from "../runners/pool-signals.js";
import type { ServiceDeps } from "../service-deps.js";
import { parseRequest } from "../validation.js";
import {
  createProjectRequest,
  deleteRequest,
  renameProjectRequest,
  workspacePageRequest,
} from "./requests.js";
import { findProject, findWorkspace, toProject } from "./rows.js";
import { deleteRunnersOf } from "./runner-teardown.js";

const timeText = sql<string>`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export function createProjectHandlers(deps: ServiceDeps) {
  const { db, authorize } = deps;

  /** The project, if the caller may change it; NotFound when it cannot even see it. */
  const writableProject = async (caller: Caller, id: string) => {
    const row = await findProject(db, id);
    if (row === undefined) throw notFound("project", id);
    // The project's viewers may know it exists; changing it is the workspace admins'.
    await authorize(
      caller,
      "project.read",
      { workspaceId: row.workspace_id, projectId: id },
      "project",
      id,
    );
    await authorize(caller, "project.write", { workspaceId: row.workspace_id }, "project", id);
    return row;
  };

  return {
    async createProject(request: CreateProjectRequest, context: HandlerContext) {
      const input = parseRequest(createProjectRequest, request);
      const caller = callerOf(context);
      await authorize(caller, "project.write", input, "workspace", input.workspaceId);
      const { requestId } = requestInfo(context);
      const row = await db.transaction().execute(async (trx) => {
        const workspace = await findWorkspace(trx, input.workspaceId);
        if (workspace === undefined) throw notFound("workspace", input.workspaceId);
        const project = await trx
          .insertInto("projects")
          .values({ workspace_id: input.workspaceId, name: input.name })
          .returningAll()
          .executeTakeFirstOrThrow();
        await writeProjectTuples(trx, input.workspaceId, project.id);
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: input.workspaceId,
          objectType: "project",
          objectId: project.id,
          action: "project.create",
          before: null,
          after: project,
          requestId,
        });
        return project;
      });
      return create(CreateProjectResponseSchema, { project: toProject(row) });
    },

    async listProjects(request: ListProjectsRequest, context: HandlerContext) {
      const input = parseRequest(workspacePageRequest, request);
      const caller = callerOf(context);
      await authorize(caller, "workspace.read", input, "workspace", input.workspaceId);
      const filters = ["projects", input.workspaceId];
      const cursor = decodeKeysetToken(input.pageToken, filters, [
        keyPatterns.time,
        keyPatterns.uuid,
      ]);
      let query = db
        .selectFrom("projects")
        .selectAll()
        .select(timeText.as("cursor_time"))
        .where("workspace_id", "=", input.workspaceId)
        .where("deleted_at", "is", null);
      if (cursor !== undefined) {
        query = query.where(
          sql<boolean>`(created_at, id) > (${cursor[0]}::timestamptz, ${cursor[1]}::uuid)`,
        );
      }
      const rows = await query
        .orderBy("created_at")
        .orderBy("id")
        .limit(input.pageSize + 1)
        .execute();
      const { page, nextPageToken } = nextPage(rows, input.pageSize, (last) =>
        encodeKeysetToken([last.cursor_time, last.id], filters),
      );
      return create(ListProjectsResponseSchema, {
        projects: page.map(toProject),
        nextPageToken,
      });
    },

    async renameProject(request: RenameProjectRequest, context: HandlerContext) {
      const input = parseRequest(renameProjectRequest, request);
      const caller = callerOf(context);
      await writableProject(caller, input.id);
      const { requestId } = requestInfo(context);
      const row = await db.transaction().execute(async (trx) => {
        const before = await findProject(trx, input.id, { forUpdate: true });
        if (before === undefined) throw notFound("project", input.id);
        const after = await trx
          .updateTable("projects")
          .set({ name: input.name })
          .where("id", "=", input.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: after.workspace_id,
          objectType: "project",
          objectId: input.id,
          action: "project.rename",
          before,
          after,
          requestId,
        });
        return after;
      });
      return create(RenameProjectResponseSchema, { project: toProject(row) });
    },

    async deleteProject(request: DeleteProjectRequest, context: HandlerContext) {
      const input = parseRequest(deleteRequest, request);
      const caller = callerOf(context);
      await writableProject(caller, input.id);
      const { requestId, logger } = requestInfo(context);
      const runnerIds = await db.transaction().execute(async (trx) => {
        const before = await findProject(trx, input.id, { forUpdate: true });
        if (before === undefined) throw notFound("project", input.id);
        if (before.is_default) {
          throw failedPrecondition("the default project cannot be deleted");
        }
        const ids = await deleteRunnersOf(
          trx,
          { workspaceId: before.workspace_id, projectId: input.id },
          { force: input.force, what: "project" },
          { caller, requestId },
        );
        const after = await trx
          .updateTable("projects")
          .set({ deleted_at: new Date() })
          .where("id", "=", input.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await deleteObjectTuples(trx, "project", input.id);
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: before.workspace_id,
          objectType: "project",
          objectId: input.id,
          action: "project.delete",
          before,
          after: { ...after, force: input.force, runners_deleted: ids.length },
          requestId,
        });
        return ids;
      });
      await notifyPools(deps.pools, runnerIds, { start: true }, logger);
      return create(DeleteProjectResponseSchema, {});
    },
  };
}
