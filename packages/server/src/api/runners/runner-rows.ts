import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { RunnerInstallationSchema, type RunnerInstallation } from "@hangar/api/installation_pb.js";
import { RunnerFleetSchema, RunnerSchema, type Runner } from "@hangar/api/runner_pb.js";
import type { Kysely, Transaction } from "kysely";
import { readFleetCounts, type FleetCounts } from "../../storage/runner-fleet.js";
import type { Database } from "../../storage/schema.js";

// Runner configurations as the API reads them, and their protobuf form.

type Queryable = Kysely<Database> | Transaction<Database>;

export const runnerColumns = [
  "id",
  "workspace_id",
  "project_id",
  "installation_id",
  "name",
  "labels",
  "offering_id",
  "image",
  "cpu",
  "memory",
  "is_custom",
  "registry_credential_id",
  "repositories",
  "min_idle",
  "max_runners",
  "prewarm_max_idle",
  "namespace",
  "status",
  "status_message",
  "created_at",
  "updated_at",
] as const;

export type RunnerRow = NonNullable<Awaited<ReturnType<typeof findRunner>>>;

/** A runner that is not gone for good; deleted ones (deleted_at set) are not found. */
export function findRunner(db: Queryable, id: string, options: { forUpdate?: boolean } = {}) {
  let query = db
    .selectFrom("runners")
    .select(runnerColumns)
    .where("id", "=", id)
    .where("deleted_at", "is", null);
  if (options.forUpdate === true) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Runner.fleet of each of `rows`, in one query however many there are. */
export async function fleetsOf(
  db: Kysely<Database>,
  rows: readonly { id: string }[],
): Promise<Map<string, FleetCounts>> {
  const counts = await readFleetCounts(db, { runnerIds: rows.map((row) => row.id) });
  return new Map(counts.map((count) => [count.runnerId, count]));
}

/** `fleet` is set only by the reads, which look it up; answers to changes leave it unset. */
export function toRunner(row: RunnerRow, fleet?: FleetCounts): Runner {
  return create(RunnerSchema, {
    id: row.id,
    name: row.name,
    namespace: row.namespace,
    runnerOfferingId: row.offering_id ?? "",
    repositories: row.repositories,
    status: row.status,
    isCustom: row.is_custom,
    cpu: row.cpu,
    memory: row.memory,
    workspaceId: row.workspace_id,
    projectId: row.project_id,
    labels: row.labels,
    image: row.image ?? "",
    minIdle: row.min_idle,
    maxRunners: row.max_runners,
    registryCredentialId: row.registry_credential_id ?? "",
    installationId: row.installation_id,
    statusMessage: row.status_message ?? "",
    createTime: timestampFromDate(row.created_at),
    updateTime: timestampFromDate(row.updated_at),
    ...(row.prewarm_max_idle === null ? {} : { prewarmMaxIdle: row.prewarm_max_idle }),
    ...(fleet === undefined
      ? {}
      : {
          fleet: create(RunnerFleetSchema, {
            registered: fleet.registered,
            busy: fleet.busy,
            idle: fleet.idle,
            starting: fleet.starting,
            desired: fleet.desired,
            assignedJobs: fleet.assigned,
            runningJobs: fleet.running,
          }),
        }),
  });
}

export function findInstallation(db: Queryable, installationId: bigint) {
  return db
    .selectFrom("github_installations")
    .selectAll()
    .where("installation_id", "=", installationId)
    .executeTakeFirst();
}

export function toInstallation(
  row: NonNullable<Awaited<ReturnType<typeof findInstallation>>>,
): RunnerInstallation {
  return create(RunnerInstallationSchema, {
    installationId: row.installation_id,
    workspaceId: row.workspace_id ?? "",
    state: row.state,
    githubAccountType: row.account_type,
    isServiceEnabled: row.is_service_enabled,
    accountLogin: row.account_login,
    accountId: row.account_id,
    repositorySelection: row.repository_selection,
    createTime: timestampFromDate(row.created_at),
    updateTime: timestampFromDate(row.updated_at),
    ...(row.suspended_at ? { suspendTime: timestampFromDate(row.suspended_at) } : {}),
  });
}
