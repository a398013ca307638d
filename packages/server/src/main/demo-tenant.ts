import type { Kysely, Transaction } from "kysely";
import type { Database } from "../storage/schema.js";

// Hangar's side of the `npm start` demo: a workspace with its default project, the
// simulator's installation linked to it, a small runner offering and one runner
// configuration. The API that will create these is not built yet, so they are plain
// inserts, all of them here. Each row is created only when it is missing, so every start
// on the same database finds the same tenant, including any change made to it since.

export const demoWorkspace = { slug: "demo", name: "Demo" } as const;

export const demoOffering = {
  id: "linux-x64-small",
  name: "hangar-small",
  cpu: "500m",
  memory: "512Mi",
  imageRepository: "ghcr.io/actions/actions-runner",
  imageTag: "2.330.0",
  pricePerMinute: "0.002000",
} as const;

/** The configuration's name is the `runs-on` label the demo's jobs ask for. */
export const demoRunner = { name: "hangar-small", minIdle: 1, maxRunners: 5 } as const;

export interface DemoTenantInput {
  /** The simulator's installation of the demo organisation. */
  installationId: number;
  account: { login: string; id: number; type: "Organization" | "User" };
  /** HANGAR_KUBE_NAMESPACE_PREFIX: the workspace's namespace is this plus its slug. */
  namespacePrefix: string;
}

export interface DemoTenant {
  workspaceId: string;
  projectId: string;
  namespace: string;
  offeringId: string;
  /** The configuration as stored: an earlier start's, with any change made since. */
  runner: DemoRunnerConfiguration;
  /** What this call created (nothing when an earlier start made it all). */
  created: string[];
}

export interface DemoRunnerConfiguration {
  id: string;
  name: string;
  cpu: string;
  memory: string;
  minIdle: number;
  maxRunners: number;
}

export class DemoTenantError extends Error {
  override name = "DemoTenantError";
}

type Queryable = Transaction<Database>;

/** The demo tenant, created where missing, in one transaction. */
export function ensureDemoTenant(
  db: Kysely<Database>,
  input: DemoTenantInput,
): Promise<DemoTenant> {
  return db.transaction().execute(async (trx) => {
    const created: string[] = [];
    let workspace = await findWorkspace(trx);
    if (workspace === undefined) {
      workspace = await createWorkspace(trx, `${input.namespacePrefix}${demoWorkspace.slug}`);
      created.push("workspace");
    }
    let projectId = await findDefaultProject(trx, workspace.id);
    if (projectId === undefined) {
      projectId = await createDefaultProject(trx, workspace.id);
      created.push("default project");
    }
    if (await linkInstallation(trx, input, workspace.id)) created.push("installation link");
    if (await ensureOffering(trx)) created.push("runner offering");
    const runner = await ensureRunner(trx, {
      workspaceId: workspace.id,
      projectId,
      installationId: input.installationId,
      namespace: workspace.namespace,
    });
    if (runner.created) created.push("runner configuration");
    return {
      workspaceId: workspace.id,
      projectId,
      namespace: workspace.namespace,
      offeringId: demoOffering.id,
      runner: runner.configuration,
      created,
    };
  });
}

function findWorkspace(trx: Queryable) {
  return trx
    .selectFrom("workspaces")
    .select(["id", "namespace"])
    .where("slug", "=", demoWorkspace.slug)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
}

function createWorkspace(trx: Queryable, namespace: string) {
  return trx
    .insertInto("workspaces")
    .values({ slug: demoWorkspace.slug, name: demoWorkspace.name, namespace })
    .returning(["id", "namespace"])
    .executeTakeFirstOrThrow();
}

async function findDefaultProject(trx: Queryable, workspaceId: string) {
  const row = await trx
    .selectFrom("projects")
    .select("id")
    .where("workspace_id", "=", workspaceId)
    .where("is_default", "=", true)
    .executeTakeFirst();
  return row?.id;
}

async function createDefaultProject(trx: Queryable, workspaceId: string) {
  const row = await trx
    .insertInto("projects")
    .values({ workspace_id: workspaceId, name: "default", is_default: true })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Writes the installation's row with the link when the installation workflow has not
 * written it yet (its upsert never touches the link), or links an unlinked row. True
 * when the link is new. An installation linked to another workspace is left alone and
 * reported: moving it would strand that workspace's runners.
 */
async function linkInstallation(
  trx: Queryable,
  input: DemoTenantInput,
  workspaceId: string,
): Promise<boolean> {
  const linked = await trx
    .insertInto("github_installations")
    .values({
      installation_id: input.installationId,
      workspace_id: workspaceId,
      account_login: input.account.login,
      account_id: input.account.id,
      account_type: input.account.type,
      repository_selection: "selected",
    })
    .onConflict((oc) =>
      oc
        .column("installation_id")
        .doUpdateSet({ workspace_id: workspaceId })
        .where("github_installations.workspace_id", "is", null),
    )
    .returning("installation_id")
    .executeTakeFirst();
  if (linked !== undefined) return true;
  const row = await trx
    .selectFrom("github_installations")
    .select("workspace_id")
    .where("installation_id", "=", BigInt(input.installationId))
    .executeTakeFirstOrThrow();
  if (row.workspace_id !== workspaceId) {
    throw new DemoTenantError(
      `installation ${input.installationId} is linked to another workspace (${row.workspace_id ?? "none"})`,
    );
  }
  return false;
}

async function ensureOffering(trx: Queryable): Promise<boolean> {
  const row = await trx
    .insertInto("runner_offerings")
    .values({
      id: demoOffering.id,
      name: demoOffering.name,
      cpu: demoOffering.cpu,
      memory: demoOffering.memory,
      image_repository: demoOffering.imageRepository,
      image_tag: demoOffering.imageTag,
      price_per_minute: demoOffering.pricePerMinute,
    })
    .onConflict((oc) => oc.column("id").doNothing())
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * The configuration keeps whatever size and limits it was given since; only its
 * installation follows the demo's, because jobs are matched to configurations of the
 * installation they come from.
 */
async function ensureRunner(
  trx: Queryable,
  input: { workspaceId: string; projectId: string; installationId: number; namespace: string },
): Promise<{ configuration: DemoRunnerConfiguration; created: boolean }> {
  const existing = await trx
    .selectFrom("runners")
    .select(["id", "installation_id", "name", "cpu", "memory", "min_idle", "max_runners"])
    .where("workspace_id", "=", input.workspaceId)
    .where("name", "=", demoRunner.name)
    .where("deleted_at", "is", null)
    .executeTakeFirst();
  if (existing !== undefined) {
    if (existing.installation_id !== BigInt(input.installationId)) {
      await trx
        .updateTable("runners")
        .set({ installation_id: input.installationId })
        .where("id", "=", existing.id)
        .execute();
    }
    return { configuration: configurationOf(existing), created: false };
  }
  // Sized from the offering, as the API describes: resizing the offering later never
  // resizes this configuration.
  const offering = await trx
    .selectFrom("runner_offerings")
    .select(["cpu", "memory"])
    .where("id", "=", demoOffering.id)
    .executeTakeFirstOrThrow();
  const row = await trx
    .insertInto("runners")
    .values({
      workspace_id: input.workspaceId,
      project_id: input.projectId,
      installation_id: input.installationId,
      name: demoRunner.name,
      offering_id: demoOffering.id,
      cpu: offering.cpu,
      memory: offering.memory,
      min_idle: demoRunner.minIdle,
      max_runners: demoRunner.maxRunners,
      namespace: input.namespace,
    })
    .returning(["id", "name", "cpu", "memory", "min_idle", "max_runners"])
    .executeTakeFirstOrThrow();
  return { configuration: configurationOf(row), created: true };
}

function configurationOf(row: {
  id: string;
  name: string;
  cpu: string;
  memory: string;
  min_idle: number;
  max_runners: number;
}): DemoRunnerConfiguration {
  return {
    id: row.id,
    name: row.name,
    cpu: row.cpu,
    memory: row.memory,
    minIdle: row.min_idle,
    maxRunners: row.max_runners,
  };
}
