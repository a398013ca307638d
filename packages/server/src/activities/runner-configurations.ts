import { sql, type Kysely, type Transaction } from "kysely";
import {
  quotaHeadroom,
  quotaShortfall,
  type InstanceSize,
  type WorkspaceCapacity,
} from "../domain/autoscale.js";
import type { Database } from "../storage/schema.js";
import type { RunnerInstanceState } from "../storage/schema/runners.js";

// A runner configuration as its instances are made from it, and the room its
// workspace's plan leaves: read alike by the pool's snapshot (to plan) and by the
// instance's admission (to decide, under the workspace's lock).

type Queryable = Kysely<Database> | Transaction<Database>;

/** Instance states that still hold (or may soon hold) a pod. */
export const liveInstanceStates: readonly RunnerInstanceState[] = [
  "pending",
  "registering",
  "idle",
  "busy",
  "terminating",
];

/** Runner configurations a pool may start instances for. */
export const creatableStatuses = new Set(["provisioning", "active", "error"]);

export type RunnerConfiguration = NonNullable<Awaited<ReturnType<typeof readConfiguration>>>;

/** A runner configuration with what its instances are made from. */
export function readConfiguration(db: Queryable, runnerId: string) {
  return db
    .selectFrom("runners as r")
    .innerJoin("github_installations as gi", "gi.installation_id", "r.installation_id")
    .innerJoin("workspaces as w", "w.id", "r.workspace_id")
    .leftJoin("runner_offerings as o", "o.id", "r.offering_id")
    .select([
      "r.id",
      "r.name",
      "r.labels",
      "r.workspace_id",
      "r.installation_id",
      "r.namespace",
      "r.image",
      "r.offering_id",
      "r.cpu",
      "r.memory",
      "r.cpu_millis",
      "r.memory_mib",
      "r.registry_credential_id",
      "r.repositories",
      "r.min_idle",
      "r.max_runners",
      "r.prewarm_max_idle",
      "r.status",
      "r.status_message",
      "r.deleted_at",
      "gi.state as installation_state",
      "gi.is_service_enabled as installation_service_enabled",
      "gi.account_login",
      "gi.account_type",
      "w.deleted_at as workspace_deleted_at",
      "o.image_repository",
      "o.image_tag",
      "o.gpu_count",
      "o.gpu_type",
      "o.spot",
      "o.arch",
      "o.rerun_on_preemption",
    ])
    .where("r.id", "=", runnerId)
    .executeTakeFirst();
}

/** Why no new instance of the configuration may start, or null when one may. */
export function unusableBecause(configuration: RunnerConfiguration): string | null {
  if (configuration.deleted_at !== null || configuration.workspace_deleted_at !== null) {
    return "the runner configuration was deleted";
  }
  if (!creatableStatuses.has(configuration.status)) {
    return `the runner configuration is ${configuration.status}`;
  }
  if (configuration.installation_state !== "active") {
    return `the GitHub installation is ${configuration.installation_state}`;
  }
  if (!configuration.installation_service_enabled) {
    return "Hangar's service is switched off for the GitHub installation";
  }
  return null;
}

/**
 * Whether the pool should keep no idle runner: a suspended configuration, or an
 * installation whose service is switched off, takes no new job, and an idle runner
 * registered with GitHub would take one the moment it is queued.
 */
export function pausedBecause(configuration: RunnerConfiguration): string | null {
  if (configuration.status === "suspended") return "the runner configuration is suspended";
  if (!configuration.installation_service_enabled) {
    return "Hangar's service is switched off for the GitHub installation";
  }
  return null;
}

export function instanceSize(configuration: RunnerConfiguration): InstanceSize {
  return {
    cpuMillis: configuration.cpu_millis,
    memoryMib: configuration.memory_mib,
    gpus: configuration.gpu_count ?? 0,
  };
}

/** The workspace's plan and what its live instances (of every configuration) use of it. */
export async function workspaceCapacity(
  db: Queryable,
  workspaceId: string,
): Promise<WorkspaceCapacity> {
  const plan = await db
    .selectFrom("workspaces")
    .select(["max_runners", "max_cpu_millis", "max_memory_mib", "max_gpus"])
    .where("id", "=", workspaceId)
    .executeTakeFirstOrThrow();
  const used = await db
    .selectFrom("runner_instances as ri")
    .innerJoin("runners as r", "r.id", "ri.runner_id")
    .leftJoin("runner_offerings as o", "o.id", "r.offering_id")
    .select([
      sql<number>`count(*)::int`.as("runners"),
      sql<number>`coalesce(sum(r.cpu_millis), 0)::int`.as("cpu"),
      sql<number>`coalesce(sum(r.memory_mib), 0)::int`.as("memory"),
      sql<number>`coalesce(sum(o.gpu_count), 0)::int`.as("gpus"),
    ])
    .where("ri.workspace_id", "=", workspaceId)
    .where("ri.state", "in", liveInstanceStates)
    .executeTakeFirstOrThrow();
  return {
    maxRunners: plan.max_runners,
    maxCpuMillis: plan.max_cpu_millis,
    maxMemoryMib: plan.max_memory_mib,
    maxGpus: plan.max_gpus,
    usedRunners: used.runners,
    usedCpuMillis: used.cpu,
    usedMemoryMib: used.memory,
    usedGpus: used.gpus,
  };
}

export async function liveInstanceCount(db: Queryable, runnerId: string): Promise<number> {
  const row = await db
    .selectFrom("runner_instances")
    .select(sql<number>`count(*)::int`.as("count"))
    .where("runner_id", "=", runnerId)
    .where("state", "in", liveInstanceStates)
    .executeTakeFirstOrThrow();
  return row.count;
}

/**
 * More instances of the configuration that may start now: the workspace's plan and
 * the configuration's own maximum, both counted over live rows.
 */
export async function configurationHeadroom(
  db: Queryable,
  configuration: RunnerConfiguration,
): Promise<{ headroom: number; reason: string | null }> {
  const capacity = await workspaceCapacity(db, configuration.workspace_id);
  const size = instanceSize(configuration);
  const own = configuration.max_runners - (await liveInstanceCount(db, configuration.id));
  const headroom = Math.max(0, Math.min(own, quotaHeadroom(capacity, size)));
  const reason =
    headroom > 0
      ? null
      : own <= 0
        ? `the runner configuration allows ${configuration.max_runners} runners at once`
        : quotaShortfall(capacity, size);
  return { headroom, reason };
}
