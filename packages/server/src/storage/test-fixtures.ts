import type { Insertable, Kysely } from "kysely";
import type { Database } from "./schema.js";
import type { JobsTable, UsageEventsTable } from "./schema/jobs.js";

// Valid rows for the storage tests to start from. Tests that probe a constraint change
// one thing about an otherwise valid row, so a rejection can only mean that one thing.

export interface Tenant {
  workspaceId: string;
  projectId: string;
  installationId: bigint;
  repositoryId: bigint;
  offeringId: string;
  runnerId: string;
}

let sequence = 0;
/**
 * Test files run in parallel processes against one Kubernetes API server, so the
 * namespaces their tenants name must differ between processes, not only within one.
 */
const processTag = Math.random().toString(36).slice(2, 8);
function next(): number {
  sequence += 1;
  return sequence;
}

export interface TenantOptions {
  /** GitHub's ids, when a test needs them to match another system (the simulator). */
  installationId?: number;
  repository?: { id: number; fullName: string };
  /** The runner configuration's name, which is its `runs-on` label. */
  runnerName?: string;
  pricePerMinute?: string;
}

/** A workspace with a default project, a linked installation, a repository and a runner. */
export async function createTenant(
  db: Kysely<Database>,
  options: TenantOptions = {},
): Promise<Tenant> {
  const n = next();
  const fullName = options.repository?.fullName ?? `acme-${n}/app`;
  const accountLogin = fullName.split("/")[0] ?? `acme-${n}`;
  const { id: workspaceId } = await db
    .insertInto("workspaces")
    .values({ slug: `acme-${n}`, name: `Acme ${n}`, namespace: `hangar-acme-${n}-${processTag}` })
    .returning("id")
    .executeTakeFirstOrThrow();
  const { id: projectId } = await db
    .insertInto("projects")
    .values({ workspace_id: workspaceId, name: "default", is_default: true })
    .returning("id")
    .executeTakeFirstOrThrow();
  const installationId = BigInt(options.installationId ?? 10_000 + n);
  await db
    .insertInto("github_installations")
    .values({
      installation_id: installationId,
      workspace_id: workspaceId,
      account_login: accountLogin,
      account_id: 50_000 + n,
      account_type: "Organization",
      repository_selection: "all",
    })
    .execute();
  const repositoryId = BigInt(options.repository?.id ?? 700_000_000 + n);
  await db
    .insertInto("repositories")
    .values({
      github_repository_id: repositoryId,
      installation_id: installationId,
      full_name: fullName,
      private: true,
    })
    .execute();
  const offeringId = `linux-4cpu-${n}`;
  await db
    .insertInto("runner_offerings")
    .values({
      id: offeringId,
      name: `hangar-4cpu-${n}`,
      cpu: "4",
      memory: "16Gi",
      image_repository: "ghcr.io/actions/actions-runner",
      image_tag: "2.330.0",
      price_per_minute: options.pricePerMinute ?? "0.008000",
    })
    .execute();
  const { id: runnerId } = await db
    .insertInto("runners")
    .values({
      workspace_id: workspaceId,
      project_id: projectId,
      installation_id: installationId,
      name: options.runnerName ?? "hangar-4cpu",
      offering_id: offeringId,
      cpu: "4",
      memory: "16Gi",
      max_runners: 10,
      namespace: `hangar-acme-${n}-${processTag}`,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { workspaceId, projectId, installationId, repositoryId, offeringId, runnerId };
}

/** A queued job of the tenant's repository with a fresh workflow_job.id. */
export function queuedJob(
  tenant: Tenant,
  overrides: Partial<Insertable<JobsTable>> = {},
): Insertable<JobsTable> {
  const n = next();
  return {
    github_job_id: 30_000_000_000 + n,
    github_run_id: 9_000_000_000 + n,
    run_attempt: 1,
    github_repository_id: tenant.repositoryId,
    installation_id: tenant.installationId,
    workspace_id: tenant.workspaceId,
    runner_id: tenant.runnerId,
    name: "build",
    workflow_name: "CI",
    head_branch: "main",
    head_sha: "4f9d6c1e0b3a2d5c8e7f6a9b0c1d2e3f4a5b6c7d",
    labels: ["hangar-4cpu"],
    status: "queued",
    github_created_at: "2026-03-01T12:00:00Z",
    ...overrides,
  };
}

/** A job that ran 2m30s after 10s in the queue and succeeded. */
export function completedJob(
  tenant: Tenant,
  overrides: Partial<Insertable<JobsTable>> = {},
): Insertable<JobsTable> {
  return queuedJob(tenant, {
    status: "completed",
    conclusion: "success",
    github_started_at: "2026-03-01T12:00:10Z",
    github_completed_at: "2026-03-01T12:02:40Z",
    ...overrides,
  });
}

/** The usage event of a completed job: 3 started minutes at the fixture price. */
export function usageEvent(
  tenant: Tenant,
  githubJobId: bigint | number,
): Insertable<UsageEventsTable> {
  return {
    github_job_id: githubJobId,
    workspace_id: tenant.workspaceId,
    project_id: tenant.projectId,
    runner_id: tenant.runnerId,
    offering_id: tenant.offeringId,
    github_repository_id: tenant.repositoryId,
    billable_minutes: 3,
    billable_seconds: 180,
    unit_price: "0.008000",
    amount: "0.024000",
    currency: "USD",
    occurred_at: "2026-03-01T12:02:40Z",
  };
}
