import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  GetRunnerResponseSchema,
  ListRunnersResponseSchema,
  type GetRunnerMetricsRequest,
  type GetRunnerMetricsResponse,
  type GetRunnerRequest,
  type GetRunnerResponse,
  type ListRunnersRequest,
  type ListRunnersResponse,
} from "@hangar/api/runner_service_pb.js";
import { sql } from "kysely";
import { callerOf } from "../context.js";
import { notFound } from "../errors.js";
import { decodePageToken, encodePageToken, nextPage } from "../pagination.js";
import { parseRequest } from "../validation.js";
import { runnerMetrics } from "./metrics.js";
import { getRunnerMetricsRequest, listRunnersRequest, runnerIdRequest } from "./requests.js";
import { findRunner, fleetsOf, runnerColumns, toRunner } from "./runner-rows.js";
import type { RunnerServiceDeps } from "./service-deps.js";

export function createRunnerReads(deps: RunnerServiceDeps) {
  const { db, authorize } = deps;

  return {
    async getRunner(
      request: GetRunnerRequest,
      context: HandlerContext,
    ): Promise<GetRunnerResponse> {
      const { id } = parseRequest(runnerIdRequest, request);
      const caller = callerOf(context);
      const row = await findRunner(db, id);
      if (row === undefined) throw notFound("runner", id);
      await authorize(
        caller,
        "runner.read",
        { workspaceId: row.workspace_id, projectId: row.project_id },
        "runner",
        id,
      );
      const fleets = await fleetsOf(db, [row]);
      return create(GetRunnerResponseSchema, { runner: toRunner(row, fleets.get(row.id)) });
    },

    async listRunners(
      request: ListRunnersRequest,
      context: HandlerContext,
    ): Promise<ListRunnersResponse> {
      const input = parseRequest(listRunnersRequest, request);
      const caller = callerOf(context);
      if (input.projectId === undefined) {
        await authorize(caller, "workspace.read", input, "workspace", input.workspaceId);
      } else {
        await authorize(
          caller,
          "runner.read",
          { workspaceId: input.workspaceId, projectId: input.projectId },
          "project",
          input.projectId,
        );
      }
      const filters = [input.workspaceId, input.projectId ?? "", input.status ?? ""];
      const cursor = decodePageToken(input.pageToken, filters);
      let query = db
        .selectFrom("runners")
        .select(runnerColumns)
        .select(
          sql<string>`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
            "cursor_time",
          ),
        )
        .where("workspace_id", "=", input.workspaceId)
        .where("deleted_at", "is", null);
      if (input.projectId !== undefined) query = query.where("project_id", "=", input.projectId);
      if (input.status !== undefined) query = query.where("status", "=", input.status);
      if (cursor !== undefined) {
        query = query.where(
          sql<boolean>`(created_at, id) < (${cursor.time}::timestamptz, ${cursor.id}::uuid)`,
        );
      }
      const rows = await query
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(input.pageSize + 1)
        .execute();
      const { page, nextPageToken } = nextPage(rows, input.pageSize, (last) =>
        encodePageToken({ time: last.cursor_time, id: last.id }, filters),
      );
      const fleets = await fleetsOf(db, page);
      return create(ListRunnersResponseSchema, {
        runners: page.map((row) => toRunner(row, fleets.get(row.id))),
        nextPageToken,
      });
    },

    async getRunnerMetrics(
      request: GetRunnerMetricsRequest,
      context: HandlerContext,
    ): Promise<GetRunnerMetricsResponse> {
      const input = parseRequest(getRunnerMetricsRequest, request);
      const caller = callerOf(context);
      if (input.runnerId === undefined) {
        await authorize(caller, "workspace.read", input, "workspace", input.workspaceId);
      } else {
        const runner = await db
          .selectFrom("runners")
          .select(["workspace_id", "project_id"])
          .where("id", "=", input.runnerId)
          .where("workspace_id", "=", input.workspaceId)
          .executeTakeFirst();
        if (runner === undefined) throw notFound("runner", input.runnerId);
        await authorize(
          caller,
          "runner.read",
          { workspaceId: runner.workspace_id, projectId: runner.project_id },
          "runner",
          input.runnerId,
        );
      }
      return runnerMetrics(db, input);
    },
  };
}
