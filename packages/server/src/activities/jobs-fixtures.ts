import type { Kysely } from "kysely";
import type { JobEventArgs } from "../domain/signal-args.js";
import type { Database } from "../storage/schema.js";

// Test-only: the rows a job workflow needs (a workspace linked to an installation with
// a repository and a runner configuration), and workflow_job events as the intake
// builds them.

export interface SeededTenant {
  workspaceId: string;
  projectId: string;
  runnerId: string;
  offeringId: string;
  installationId: number;
  repository: { id: number; fullName: string; ownerLogin: string };
}

let sequence = 0;

export async function seedTenant(
  db: Kysely<Database>,
  input: {
    installationId: number;
    repository: { id: number; fullName: string };
    runnerName?: string;
    pricePerMinute?: string;
  },
): Promise<SeededTenant> {
  sequence += 1;
  const n = `${input.installationId}-${sequence}`;
  const ownerLogin = input.repository.fullName.split("/")[0] ?? "acme";
  const { id: workspaceId } = await db
    .insertInto("workspaces")
    .values({ slug: `ws-${n}`, name: `Workspace ${n}`, namespace: `hangar-ws-${n}` })
    .returning("id")
    .executeTakeFirstOrThrow();
  const { id: projectId } = await db
    .insertInto("projects")
    .values({ workspace_id: workspaceId, name: "default", is_default: true })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("github_installations")
    .values({
      installation_id: input.installationId,
      workspace_id: workspaceId,
      account_login: ownerLogin,
      account_id: 50_000 + input.installationId,
      account_type: "Organization",
      repository_selection: "all",
    })
    .execute();
  await db
    .insertInto("repositories")
    .values({
      github_repository_id: input.repository.id,
      installation_id: input.installationId,
      full_name: input.repository.fullName,
      private: true,
    })
    .execute();
  const offeringId = `linux-4cpu-${n}`;
  await db
    .insertInto("runner_offerings")
    .values({
      id: offeringId,
      name: `offering-${n}`,
      cpu: "4",
      memory: "16Gi",
      image_repository: "ghcr.io/actions/actions-runner",
      image_tag: "2.330.0",
      price_per_minute: input.pricePerMinute ?? "0.008000",
    })
    .execute();
  const { id: runnerId } = await db
    .insertInto("runners")
    .values({
      workspace_id: workspaceId,
      project_id: projectId,
      installation_id: input.installationId,
      name: input.runnerName ?? "hangar-4cpu",
      offering_id: offeringId,
      cpu: "4",
      memory: "16Gi",
      max_runners: 10,
      namespace: `hangar-ws-${n}`,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return {
    workspaceId,
    projectId,
    runnerId,
    offeringId,
    installationId: input.installationId,
    repository: { ...input.repository, ownerLogin },
  };
}

/** A queued workflow_job event of the tenant's repository; override what differs. */
export function jobEventArgs(
  tenant: SeededTenant,
  overrides: Partial<JobEventArgs> & Pick<JobEventArgs, "id" | "createdAt">,
): JobEventArgs {
  return {
    action: "queued",
    runId: overrides.id + 1_000_000,
    runAttempt: 1,
    name: "build",
    workflowName: "CI",
    headBranch: "main",
    headSha: "4f9d6c1e0b3a2d5c8e7f6a9b0c1d2e3f4a5b6c7d",
    labels: ["self-hosted", "hangar-4cpu"],
    status: "queued",
    conclusion: null,
    // GitHub fills started_at with created_at on queued events.
    startedAt: overrides.createdAt,
    completedAt: null,
    runnerId: null,
    runnerName: null,
    runnerGroupId: null,
    runnerGroupName: null,
    repository: tenant.repository,
    installationId: tenant.installationId,
    hasDeployment: false,
    ...overrides,
  };
}
