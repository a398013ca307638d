import {
  grantRole,
  roles,
  tokenSubject,
  userSubject,
  writeProjectTuples,
  writeWorkspaceTuples,
  type Role,
} from "../../authz/index.js";
import { sealRegistryCredential } from "../../crypto/registry-credentials.js";
import type { RunnerStatus } from "../../storage/schema/runners.js";
import { completedJob, type Tenant } from "../../storage/test-fixtures.js";
import type { ApiHarness } from "./harness.js";
import { tokenFor, tokenId } from "./harness.js";

// Fresh objects for the generated API tests: each call that succeeds (a delete, a
// revoke) gets an object of its own, so the next caller finds the same starting point
// and every allowed mutation really changes something (and so is audited).

let sequence = 0;
const processTag = Math.random().toString(36).slice(2, 7);

export function next(): number {
  sequence += 1;
  return sequence;
}

/** Unique across test files running at once against one database server's namespaces. */
export function unique(stem: string): string {
  return `${stem}-${processTag}-${next()}`;
}

export async function freshRunner(
  h: ApiHarness,
  status: RunnerStatus = "suspended",
  tenant: Tenant = h.tenant,
): Promise<string> {
  const row = await h.db
    .insertInto("runners")
    .values({
      workspace_id: tenant.workspaceId,
      project_id: tenant.projectId,
      installation_id: tenant.installationId,
      name: unique("fresh"),
      offering_id: tenant.offeringId,
      cpu: "4",
      memory: "16Gi",
      max_runners: 2,
      namespace: "hangar-fresh",
      status,
      status_message: status === "suspended" ? "suspended for the test" : null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A runner with its own image and size (no offering), as UpdateRunner's custom fields need. */
export async function freshCustomRunner(h: ApiHarness, tenant: Tenant = h.tenant): Promise<string> {
  const row = await h.db
    .insertInto("runners")
    .values({
      workspace_id: tenant.workspaceId,
      project_id: tenant.projectId,
      installation_id: tenant.installationId,
      name: unique("custom"),
      image: "registry.example.com/runner:1",
      cpu: "2",
      memory: "8Gi",
      max_runners: 2,
      namespace: "hangar-fresh",
      status: "suspended",
      status_message: "suspended for the test",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A workspace where each of the harness's role tokens holds its role, as in the first. */
export async function freshWorkspace(h: ApiHarness): Promise<string> {
  const slug = unique("ws");
  return h.db.transaction().execute(async (trx) => {
    const workspace = await trx
      .insertInto("workspaces")
      .values({ slug, name: slug, namespace: `hangar-${slug}` })
      .returning("id")
      .executeTakeFirstOrThrow();
    const project = await trx
      .insertInto("projects")
      .values({ workspace_id: workspace.id, name: "default", is_default: true })
      .returning("id")
      .executeTakeFirstOrThrow();
    await writeWorkspaceTuples(trx, workspace.id);
    await writeProjectTuples(trx, workspace.id, project.id);
    for (const role of roles) {
      await grantRole(trx, {
        namespace: "workspace",
        object: workspace.id,
        role,
        subject: tokenSubject(h.tokenIds.roles[role]),
      });
    }
    return workspace.id;
  });
}

export async function freshProject(h: ApiHarness, tenant: Tenant = h.tenant): Promise<string> {
  return h.db.transaction().execute(async (trx) => {
    const project = await trx
      .insertInto("projects")
      .values({ workspace_id: tenant.workspaceId, name: unique("project") })
      .returning("id")
      .executeTakeFirstOrThrow();
    await writeProjectTuples(trx, tenant.workspaceId, project.id);
    return project.id;
  });
}

export async function freshMember(
  h: ApiHarness,
  role: Role = "viewer",
  tenant: Tenant = h.tenant,
): Promise<string> {
  return h.db.transaction().execute(async (trx) => {
    const user = await trx
      .insertInto("users")
      .values({ email: `${unique("person")}@example.com` })
      .returning("id")
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("members")
      .values({ workspace_id: tenant.workspaceId, user_id: user.id, role })
      .execute();
    await grantRole(trx, {
      namespace: "workspace",
      object: tenant.workspaceId,
      role,
      subject: userSubject(user.id),
    });
    return user.id;
  });
}

export async function freshToken(
  h: ApiHarness,
  role: Role = "viewer",
  tenant: Tenant = h.tenant,
): Promise<string> {
  return tokenId(h.db, await tokenFor(h.db, tenant.workspaceId, role));
}

export async function freshCredential(h: ApiHarness, tenant: Tenant = h.tenant): Promise<string> {
  const id = crypto.randomUUID();
  await h.db
    .insertInto("registry_credentials")
    .values({
      id,
      workspace_id: tenant.workspaceId,
      name: unique("registry"),
      kind: "basic",
      registry_host: "registry.example.com",
      ...sealRegistryCredential(
        h.secrets,
        { workspaceId: tenant.workspaceId, credentialId: id },
        { kind: "basic", username: "robot", password: "hunter2-hunter2" },
      ),
    })
    .execute();
  return id;
}

export async function freshOffering(h: ApiHarness): Promise<string> {
  const id = unique("offering");
  await h.db
    .insertInto("runner_offerings")
    .values({
      id,
      name: id,
      cpu: "2",
      memory: "4Gi",
      image_repository: "ghcr.io/actions/actions-runner",
      image_tag: "2.330.0",
      price_per_minute: "0.004",
    })
    .execute();
  return id;
}

/** An installation of the App that no workspace has linked yet. */
export async function freshInstallation(h: ApiHarness): Promise<bigint> {
  const id = BigInt(5_000_000 + next());
  await h.db
    .insertInto("github_installations")
    .values({
      installation_id: id,
      workspace_id: null,
      account_login: unique("org"),
      account_id: Number(id),
      account_type: "Organization",
      repository_selection: "all",
    })
    .execute();
  return id;
}

/** A completed job of the tenant's runner, with a runner instance that ran it. */
export async function jobOf(h: ApiHarness, tenant: Tenant): Promise<bigint> {
  const job = completedJob(tenant);
  const instance = await h.db
    .insertInto("runner_instances")
    .values({
      runner_id: tenant.runnerId,
      workspace_id: tenant.workspaceId,
      name: unique("instance"),
      labels: ["hangar-4cpu"],
      state: "terminated",
      github_job_id: job.github_job_id,
      created_at: "2026-03-01T12:00:01Z",
      registered_at: "2026-03-01T12:00:05Z",
      terminated_at: "2026-03-01T12:02:45Z",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await h.db
    .insertInto("jobs")
    .values({ ...job, runner_instance_id: instance.id, runner_name: "fresh-runner" })
    .execute();
  return BigInt(job.github_job_id);
}
