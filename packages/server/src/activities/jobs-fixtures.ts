import type { Kysely } from "kysely";
import type { JobEventArgs } from "../domain/signal-args.js";
import type { Database } from "../storage/schema.js";
import { createTenant } from "../storage/test-fixtures.js";

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

/** A tenant (see storage/test-fixtures.ts) whose GitHub ids match the caller's. */
export async function seedTenant(
  db: Kysely<Database>,
  input: {
    installationId: number;
    repository: { id: number; fullName: string };
    runnerName?: string;
    pricePerMinute?: string;
  },
): Promise<SeededTenant> {
  const tenant = await createTenant(db, input);
  return {
    workspaceId: tenant.workspaceId,
    projectId: tenant.projectId,
    runnerId: tenant.runnerId,
    offeringId: tenant.offeringId,
    installationId: input.installationId,
    repository: {
      ...input.repository,
      ownerLogin: input.repository.fullName.split("/")[0] ?? "acme",
    },
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
