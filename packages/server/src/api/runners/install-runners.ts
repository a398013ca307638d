import type { HandlerContext } from "@connectrpc/connect";
import type { InstallRunnersRequest } from "@hangar/api/runner_service_pb.js";
import { writeAudit } from "../audit.js";
import { callerOf, requestInfo } from "../context.js";
import { failedPrecondition, notFound } from "../errors.js";
import { parseRequest } from "../validation.js";
import { defaultProjectId, insertRunner, requireProject } from "./create-runner.js";
import { installRunnersRequest } from "./requests.js";
import { findInstallation, runnerColumns, toInstallation, toRunner } from "./runner-rows.js";
import type { RunnerServiceDeps } from "./service-deps.js";

// InstallRunners: links a GitHub App installation (recorded by the installation workflow
// from GitHub's webhooks) to the workspace and gives it one runner per offering. Repeating
// the call creates only what is missing. An installation linked to another workspace is
// NotFound, like one that does not exist. Linking an unlinked one takes a platform
// administrator; a workspace admin may call it on installations already linked there.

export async function installRunners(
  deps: RunnerServiceDeps,
  request: InstallRunnersRequest,
  context: HandlerContext,
) {
  const input = parseRequest(installRunnersRequest, request);
  const caller = callerOf(context);
  const { requestId } = requestInfo(context);
  const installationName = input.installationId.toString();
  const seen = await findInstallation(deps.db, input.installationId);
  if (seen?.workspace_id === null) {
    // Claiming an unlinked installation: nothing proves yet that the caller controls the
    // GitHub account (the App's setup flow will), so only an operator may.
    await deps.authorize(caller, "installation.link", input, "workspace", input.workspaceId);
  } else {
    await deps.authorize(caller, "installation.write", input, "workspace", input.workspaceId);
  }

  const created = await deps.db.transaction().execute(async (trx) => {
    const installation = await findInstallation(trx, input.installationId);
    if (
      installation === undefined ||
      (installation.workspace_id !== null && installation.workspace_id !== input.workspaceId) ||
      // Unlinked when authorized as linked here cannot happen (links are never undone),
      // but the authorization above was for the installation as it was then.
      (installation.workspace_id === null && seen?.workspace_id !== null)
    ) {
      throw notFound("installation", installationName);
    }
    if (installation.state === "deleted") {
      throw failedPrecondition("the GitHub App was uninstalled from this account");
    }
    const projectId = input.projectId ?? (await defaultProjectId(trx, input.workspaceId));
    if (input.projectId !== undefined) await requireProject(trx, input.workspaceId, projectId);

    if (installation.workspace_id === null) {
      const linked = await trx
        .updateTable("github_installations")
        .set({ workspace_id: input.workspaceId })
        .where("installation_id", "=", input.installationId)
        .where("workspace_id", "is", null)
        .returningAll()
        .executeTakeFirst();
      if (linked === undefined) throw notFound("installation", installationName);
      await writeAudit(trx, {
        actor: caller.subject,
        workspaceId: input.workspaceId,
        objectType: "installation",
        objectId: installationName,
        action: "installation.link",
        before: installation,
        after: linked,
        requestId,
      });
    }

    let offerings = trx
      .selectFrom("runner_offerings")
      .select(["id", "name", "retired_at"])
      .orderBy("id");
    if (input.runnerOfferingIds.length > 0) {
      offerings = offerings.where("id", "in", input.runnerOfferingIds);
    } else {
      offerings = offerings.where("retired_at", "is", null);
    }
    const chosen = await offerings.execute();
    for (const id of input.runnerOfferingIds) {
      const offering = chosen.find((row) => row.id === id);
      if (offering === undefined) throw notFound("runner offering", id);
      if (offering.retired_at !== null) {
        throw failedPrecondition(`runner offering ${JSON.stringify(id)} is retired`);
      }
    }
    const existing = await trx
      .selectFrom("runners")
      .select(["offering_id", "name"])
      .where("workspace_id", "=", input.workspaceId)
      .where("deleted_at", "is", null)
      .execute();
    const ids: string[] = [];
    for (const offering of chosen) {
      const served = existing.some(
        (row) => row.offering_id === offering.id || row.name === offering.name,
      );
      // A runner of that name (from this offering or made by hand) already answers its label.
      if (served) continue;
      const row = await insertRunner(
        trx,
        {
          workspaceId: input.workspaceId,
          projectId,
          name: offering.name,
          runnerOfferingId: offering.id,
          labels: [],
          repositories: [],
          installationId: input.installationId,
        },
        { caller, requestId },
      );
      ids.push(row.id);
    }
    return ids;
  });

  const installation = await findInstallation(deps.db, input.installationId);
  if (installation === undefined) throw notFound("installation", installationName);
  const runners = await deps.db
    .selectFrom("runners")
    .select(runnerColumns)
    .where("workspace_id", "=", input.workspaceId)
    .where("installation_id", "=", input.installationId)
    .where("deleted_at", "is", null)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .execute();
  requestInfo(context).logger.info(
    { installationId: installationName, created: created.length },
    "runners installed",
  );
  return {
    installation: toInstallation(installation),
    runners: runners.map((row) => toRunner(row)),
  };
}
