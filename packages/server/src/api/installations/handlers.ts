import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  GetInstallationResponseSchema,
  InstallationRepositorySchema,
  LinkInstallationResponseSchema,
  ListInstallationRepositoriesResponseSchema,
  ListInstallationsResponseSchema,
  SetInstallationServiceResponseSchema,
  type GetInstallationRequest,
  type LinkInstallationRequest,
  type ListInstallationRepositoriesRequest,
  type ListInstallationsRequest,
  type SetInstallationServiceRequest,
} from "@hangar/api/installation_service_pb.js";
import { sql } from "kysely";
import { writeAudit } from "../audit.js";
import { callerOf, requestInfo, type Caller } from "../context.js";
import { failedPrecondition, notFound } from "../errors.js";
import { decodeKeysetToken, encodeKeysetToken, keyPatterns, nextPage } from "../pagination.js";
import { findInstallation, toInstallation } from "../runners/runner-rows.js";
import type { ServiceDeps } from "../service-deps.js";
import { parseRequest } from "../validation.js";
import {
  installationRequest,
  linkInstallationRequest,
  listInstallationsRequest,
  listRepositoriesRequest,
  setInstallationServiceRequest,
  workflowJobs,
} from "./requests.js";

// GitHub App installations as their workspace sees them. An installation that no
// workspace has linked belongs to nobody yet: it is NotFound for every read, and only
// LinkInstallation (or InstallRunners) can name it, by a platform administrator.

export function createInstallationHandlers(deps: ServiceDeps) {
  const { db, authorize } = deps;

  /** The installation, if it is linked to a workspace where the caller may do `action`. */
  const linked = async (
    caller: Caller,
    id: bigint,
    action: "installation.read" | "installation.write",
  ) => {
    const row = await findInstallation(db, id);
    if (row === undefined || row.workspace_id === null) {
      throw notFound("installation", id.toString());
    }
    await authorize(
      caller,
      action,
      { workspaceId: row.workspace_id },
      "installation",
      id.toString(),
    );
    return { ...row, workspace_id: row.workspace_id };
  };

  return {
    async listInstallations(request: ListInstallationsRequest, context: HandlerContext) {
      const input = parseRequest(listInstallationsRequest, request);
      await authorize(
        callerOf(context),
        "installation.read",
        input,
        "workspace",
        input.workspaceId,
      );
      const filters = ["installations", input.workspaceId];
      const cursor = decodeKeysetToken(input.pageToken, filters, [keyPatterns.int]);
      let query = db
        .selectFrom("github_installations")
        .selectAll()
        .where("workspace_id", "=", input.workspaceId);
      if (cursor !== undefined) {
        query = query.where(sql<boolean>`installation_id > ${cursor[0]}::bigint`);
      }
      const rows = await query
        .orderBy("installation_id")
        .limit(input.pageSize + 1)
        .execute();
      const { page, nextPageToken } = nextPage(rows, input.pageSize, (last) =>
        encodeKeysetToken([last.installation_id.toString()], filters),
      );
      return create(ListInstallationsResponseSchema, {
        installations: page.map(toInstallation),
        nextPageToken,
      });
    },

    async getInstallation(request: GetInstallationRequest, context: HandlerContext) {
      const input = parseRequest(installationRequest, request);
      const row = await linked(callerOf(context), input.installationId, "installation.read");
      return create(GetInstallationResponseSchema, { installation: toInstallation(row) });
    },

    async linkInstallation(request: LinkInstallationRequest, context: HandlerContext) {
      const input = parseRequest(linkInstallationRequest, request);
      const caller = callerOf(context);
      const name = input.installationId.toString();
      // Linked anywhere (even here) or unknown: NotFound to everyone, as for the reads.
      const seen = await findInstallation(db, input.installationId);
      if (seen === undefined || seen.workspace_id !== null) throw notFound("installation", name);
      // Until the GitHub App's setup flow proves who controls the account, claiming an
      // installation is an operator's decision (installation.link: platform admin).
      await authorize(caller, "installation.link", input, "workspace", input.workspaceId);
      const { requestId } = requestInfo(context);
      const row = await db.transaction().execute(async (trx) => {
        const workspace = await trx
          .selectFrom("workspaces")
          .select("id")
          .where("id", "=", input.workspaceId)
          .where("deleted_at", "is", null)
          .executeTakeFirst();
        if (workspace === undefined) throw notFound("workspace", input.workspaceId);
        const before = await trx
          .selectFrom("github_installations")
          .selectAll()
          .where("installation_id", "=", input.installationId)
          .forUpdate()
          .executeTakeFirst();
        // Linked anywhere, even here: only a free installation can be claimed, so an id
        // says nothing about whose it is.
        if (before === undefined || before.workspace_id !== null) {
          throw notFound("installation", name);
        }
        if (before.state === "deleted") {
          throw failedPrecondition("the GitHub App was uninstalled from this account");
        }
        const after = await trx
          .updateTable("github_installations")
          .set({ workspace_id: input.workspaceId })
          .where("installation_id", "=", input.installationId)
          .returningAll()
          .executeTakeFirstOrThrow();
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: input.workspaceId,
          objectType: "installation",
          objectId: name,
          action: "installation.link",
          before,
          after,
          requestId,
        });
        return after;
      });
      return create(LinkInstallationResponseSchema, { installation: toInstallation(row) });
    },

    async setInstallationService(request: SetInstallationServiceRequest, context: HandlerContext) {
      const input = parseRequest(setInstallationServiceRequest, request);
      const caller = callerOf(context);
      const name = input.installationId.toString();
      const visible = await linked(caller, input.installationId, "installation.write");
      const { requestId } = requestInfo(context);
      // No workflow carries this switch: the column is the whole of it, read by whoever
      // decides to serve the installation's jobs.
      const row = await db.transaction().execute(async (trx) => {
        const before = await trx
          .selectFrom("github_installations")
          .selectAll()
          .where("installation_id", "=", input.installationId)
          .where("workspace_id", "=", visible.workspace_id)
          .forUpdate()
          .executeTakeFirst();
        if (before === undefined) throw notFound("installation", name);
        if (before.is_service_enabled === input.enabled) return before;
        const after = await trx
          .updateTable("github_installations")
          .set({ is_service_enabled: input.enabled })
          .where("installation_id", "=", input.installationId)
          .returningAll()
          .executeTakeFirstOrThrow();
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: before.workspace_id,
          objectType: "installation",
          objectId: name,
          action: input.enabled ? "installation.enable_service" : "installation.disable_service",
          before,
          after,
          requestId,
        });
        return after;
      });
      return create(SetInstallationServiceResponseSchema, { installation: toInstallation(row) });
    },

    async listInstallationRepositories(
      request: ListInstallationRepositoriesRequest,
      context: HandlerContext,
    ) {
      const input = parseRequest(listRepositoriesRequest, request);
      await linked(callerOf(context), input.installationId, "installation.read");
      const filters = ["repositories", input.installationId.toString()];
      const cursor = decodeKeysetToken(input.pageToken, filters, [keyPatterns.int]);
      let query = db
        .selectFrom("repositories")
        .select(["github_repository_id", "full_name", "private", "workflow_jobs"])
        .where("installation_id", "=", input.installationId)
        .where("removed_at", "is", null);
      if (cursor !== undefined) {
        query = query.where(sql<boolean>`github_repository_id > ${cursor[0]}::bigint`);
      }
      const rows = await query
        .orderBy("github_repository_id")
        .limit(input.pageSize + 1)
        .execute();
      const { page, nextPageToken } = nextPage(rows, input.pageSize, (last) =>
        encodeKeysetToken([last.github_repository_id.toString()], filters),
      );
      return create(ListInstallationRepositoriesResponseSchema, {
        repositories: page.map((row) => {
          const jobs = workflowJobs.safeParse(row.workflow_jobs);
          return create(InstallationRepositorySchema, {
            repositoryId: row.github_repository_id,
            fullName: row.full_name,
            private: row.private,
            runsOn: jobs.success ? jobs.data.map((job) => ({ labels: job.labels })) : [],
          });
        }),
        nextPageToken,
      });
    },
  };
}
