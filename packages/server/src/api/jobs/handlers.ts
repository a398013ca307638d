import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  GetJobResponseSchema,
  ListJobsResponseSchema,
  type GetJobRequest,
  type ListJobsRequest,
} from "@hangar/api/job_service_pb.js";
import { sql } from "kysely";
import { callerOf } from "../context.js";
import { notFound } from "../errors.js";
import { decodeKeysetToken, encodeKeysetToken, keyPatterns, nextPage } from "../pagination.js";
import type { ServiceDeps } from "../service-deps.js";
import { parseRequest } from "../validation.js";
import { getJobRequest, listJobsRequest } from "./requests.js";
import { jobsQuery, toJob } from "./rows.js";
import { jobTimeline } from "./timeline.js";

// Jobs, newest first. A job matched to a runner configuration is read with that
// runner's project's rights; one that no configuration claimed, with the workspace's.

export function createJobHandlers(deps: ServiceDeps) {
  const { db, authorize } = deps;

  return {
    async listJobs(request: ListJobsRequest, context: HandlerContext) {
      const input = parseRequest(listJobsRequest, request);
      const caller = callerOf(context);
      await authorize(caller, "workspace.read", input, "workspace", input.workspaceId);
      if (input.runnerId !== undefined) {
        const runner = await db
          .selectFrom("runners")
          .select(["project_id"])
          .where("id", "=", input.runnerId)
          .where("workspace_id", "=", input.workspaceId)
          .executeTakeFirst();
        if (runner === undefined) throw notFound("runner", input.runnerId);
        await authorize(
          caller,
          "job.read",
          { workspaceId: input.workspaceId, projectId: runner.project_id },
          "runner",
          input.runnerId,
        );
      }
      const filters = [
        "jobs",
        input.workspaceId,
        input.repository ?? "",
        input.runnerId ?? "",
        input.status ?? "",
        input.conclusion ?? "",
        input.startTime?.toISOString() ?? "",
        input.endTime?.toISOString() ?? "",
      ];
      const cursor = decodeKeysetToken(input.pageToken, filters, [
        keyPatterns.time,
        keyPatterns.int,
      ]);
      let query = jobsQuery(db).where("j.workspace_id", "=", input.workspaceId);
      if (input.repository !== undefined) {
        query = query.where(sql<string>`lower(r.full_name)`, "=", input.repository.toLowerCase());
      }
      if (input.runnerId !== undefined) query = query.where("j.runner_id", "=", input.runnerId);
      if (input.status !== undefined) query = query.where("j.status", "=", input.status);
      if (input.conclusion !== undefined) {
        query = query.where("j.conclusion", "=", input.conclusion);
      }
      if (input.startTime !== undefined) {
        query = query.where("j.github_created_at", ">=", input.startTime);
      }
      if (input.endTime !== undefined) {
        query = query.where("j.github_created_at", "<", input.endTime);
      }
      if (cursor !== undefined) {
        query = query.where(
          sql<boolean>`(j.github_created_at, j.github_job_id) < (${cursor[0]}::timestamptz, ${cursor[1]}::bigint)`,
        );
      }
      const rows = await query
        .orderBy("j.github_created_at", "desc")
        .orderBy("j.github_job_id", "desc")
        .limit(input.pageSize + 1)
        .execute();
      const { page, nextPageToken } = nextPage(rows, input.pageSize, (last) =>
        encodeKeysetToken([last.cursor_time, last.github_job_id.toString()], filters),
      );
      return create(ListJobsResponseSchema, {
        jobs: page.map(toJob),
        nextPageToken,
      });
    },

    async getJob(request: GetJobRequest, context: HandlerContext) {
      const { id } = parseRequest(getJobRequest, request);
      const caller = callerOf(context);
      const name = id.toString();
      const row = await jobsQuery(db).where("j.github_job_id", "=", id).executeTakeFirst();
      if (row === undefined) throw notFound("job", name);
      if (row.runner_id === null) {
        await authorize(caller, "workspace.read", { workspaceId: row.workspace_id }, "job", name);
      } else {
        const runner = await db
          .selectFrom("runners")
          .select("project_id")
          .where("id", "=", row.runner_id)
          .executeTakeFirstOrThrow();
        await authorize(
          caller,
          "job.read",
          { workspaceId: row.workspace_id, projectId: runner.project_id },
          "job",
          name,
        );
      }
      return create(GetJobResponseSchema, {
        job: toJob(row),
        timeline: await jobTimeline(db, row),
      });
    },
  };
}
