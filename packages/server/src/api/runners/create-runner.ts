import { Code, ConnectError } from "@connectrpc/connect";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../storage/schema.js";
import { writeAudit } from "../audit.js";
import type { Caller } from "../context.js";
import { failedPrecondition, invalidField, notFound } from "../errors.js";
import type { CreateRunnerInput } from "./requests.js";
import { runnerColumns, type RunnerRow } from "./runner-rows.js";

// Creating runner configurations, shared by CreateRunner and InstallRunners: the row is
// checked against the workspace's other objects (offering, installation, credential,
// name) inside the caller's transaction, and audited there.

type Trx = Transaction<Database>;

/** GitHub's limit of runners per runner group, and the schema's. */
const MAX_RUNNERS = 10_000;

export interface Audited {
  caller: Caller;
  requestId: string;
}

export async function defaultProjectId(
  trx: Trx | Kysely<Database>,
  workspaceId: string,
): Promise<string> {
  const row = await trx
    .selectFrom("projects")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("is_default", "=", true)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  if (row === undefined) throw failedPrecondition("the workspace has no default project");
  return row.id;
}

export async function requireProject(trx: Trx, workspaceId: string, projectId: string) {
  const row = await trx
    .selectFrom("projects")
    .select("id")
    .where("id", "=", projectId)
    .where("workspace_id", "=", workspaceId)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  if (row === undefined) throw notFound("project", projectId);
}

/** The workspace's installation a runner registers through: the one named, or its only one. */
async function resolveInstallation(trx: Trx, workspaceId: string, requested: bigint) {
  const rows = await trx
    .selectFrom("github_installations")
    .select(["installation_id", "state"])
    .where("workspace_id", "=", workspaceId)
    .where("state", "!=", "deleted")
    .$if(requested !== 0n, (query) => query.where("installation_id", "=", requested))
    .execute();
  if (requested !== 0n) {
    const row = rows[0];
    if (row === undefined) throw notFound("installation", requested.toString());
    return row.installation_id;
  }
  if (rows.length === 1 && rows[0] !== undefined) return rows[0].installation_id;
  throw invalidField(
    "installation_id",
    rows.length === 0
      ? "the workspace has no GitHub installation; install the GitHub App first"
      : "the workspace has several installations; name one",
  );
}

async function assertNameFree(trx: Trx, workspaceId: string, name: string): Promise<void> {
  const taken = await trx
    .selectFrom("runners")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("name", "=", name)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  if (taken !== undefined) {
    throw new ConnectError(
      `a runner named ${JSON.stringify(name)} already exists in the workspace`,
      Code.AlreadyExists,
    );
  }
}

export async function insertRunner(
  trx: Trx,
  input: CreateRunnerInput & { projectId: string },
  audited: Audited,
): Promise<RunnerRow> {
  const workspace = await trx
    .selectFrom("workspaces")
    .select(["namespace", "max_runners"])
    .where("id", "=", input.workspaceId)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  if (workspace === undefined) throw notFound("workspace", input.workspaceId);
  await assertNameFree(trx, input.workspaceId, input.name);
  const installationId = await resolveInstallation(trx, input.workspaceId, input.installationId);

  let size: { cpu: string; memory: string; offering_id: string | null; image: string | null };
  let registryCredentialId: string | null = null;
  if (input.runnerOfferingId !== undefined) {
    const offering = await trx
      .selectFrom("runner_offerings")
      .select(["id", "cpu", "memory", "retired_at"])
      .where("id", "=", input.runnerOfferingId)
      .executeTakeFirst();
    if (offering === undefined) throw notFound("runner offering", input.runnerOfferingId);
    if (offering.retired_at !== null) {
      throw failedPrecondition(
        `runner offering ${JSON.stringify(offering.id)} is retired; choose another`,
      );
    }
    size = { cpu: offering.cpu, memory: offering.memory, offering_id: offering.id, image: null };
  } else if (input.custom !== undefined) {
    const custom = input.custom;
    size = { cpu: custom.cpu, memory: custom.memory, offering_id: null, image: custom.image };
    if (custom.registryCredentialId !== undefined) {
      const credential = await trx
        .selectFrom("registry_credentials")
        .select("id")
        .where("id", "=", custom.registryCredentialId)
        .where("workspace_id", "=", input.workspaceId)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
      if (credential === undefined) {
        throw notFound("registry credential", custom.registryCredentialId);
      }
      registryCredentialId = credential.id;
    }
  } else {
    throw invalidField(
      "runner_offering_id",
      "exactly one of runner_offering_id and custom is required",
    );
  }

  const minIdle = input.minIdle ?? 0;
  const maxRunners = input.maxRunners ?? Math.min(workspace.max_runners, MAX_RUNNERS);
  if (minIdle > maxRunners) {
    throw invalidField("min_idle", `must not exceed max_runners (${maxRunners})`);
  }
  const row = await trx
    .insertInto("runners")
    .values({
      workspace_id: input.workspaceId,
      project_id: input.projectId,
      installation_id: installationId,
      name: input.name,
      labels: input.labels.filter((label) => label !== input.name),
      ...size,
      registry_credential_id: registryCredentialId,
      repositories: input.repositories,
      min_idle: minIdle,
      max_runners: maxRunners,
      prewarm_max_idle: input.prewarmMaxIdle ?? null,
      namespace: workspace.namespace,
    })
    .returning(runnerColumns)
    .executeTakeFirstOrThrow();
  await writeAudit(trx, {
    actor: audited.caller.subject,
    workspaceId: row.workspace_id,
    objectType: "runner",
    objectId: row.id,
    action: "runner.create",
    before: null,
    after: row,
    requestId: audited.requestId,
  });
  return row;
}
