import { ApplicationFailure } from "@temporalio/activity";
import { sql, type Kysely, type Transaction } from "kysely";
import { jitRunnerLabels, type InstanceOutcome } from "../domain/runner-instance.js";
import type { RunnerScope } from "../github/types.js";
import type { RunnerMetrics } from "../observability/metrics-runners.js";
import type { Database } from "../storage/schema.js";
import type { RunnerInstanceState } from "../storage/schema/runners.js";
import { markLostJobRerun } from "./runner-rerun.js";
import {
  configurationHeadroom,
  liveInstanceStates,
  readConfiguration,
  unusableBecause,
  type RunnerConfiguration,
} from "./runner-configurations.js";

// The runner_instances rows: admission against the workspace's plan, state changes
// with their timestamps, and the final record, linked to the job the instance ran.
// Every write is keyed by the instance's unique name and guarded by its current state,
// so a retried activity or a replayed workflow step changes nothing the second time.

/** Everything the launch and observation steps need to know about one instance. */
export type RunnerInstanceSpec = {
  instanceId: string;
  instanceName: string;
  runnerId: string;
  workspaceId: string;
  namespace: string;
  installationId: number;
  scope: RunnerScope | null;
  /** Why no GitHub scope could be chosen; the launch fails with it. */
  scopeProblem: string | null;
  labels: string[];
  image: string;
  cpu: string;
  memory: string;
  gpu: { count: number; type: string | null } | null;
  spot: boolean;
  arch: "amd64" | "arm64";
  imagePullSecretNames: string[];
};

export type Admission =
  { kind: "admitted"; spec: RunnerInstanceSpec } | { kind: "refused"; reason: string };

/**
 * Organisation runners serve every repository of the organisation; a personal account
 * has no organisation runners, so its configuration must name exactly one repository.
 */
function runnerScope(configuration: RunnerConfiguration): {
  scope: RunnerScope | null;
  problem: string | null;
} {
  if (configuration.account_type === "Organization") {
    return { scope: { org: configuration.account_login }, problem: null };
  }
  const [only, ...more] = configuration.repositories;
  const [owner, repo] = only?.split("/") ?? [];
  if (owner === undefined || repo === undefined || more.length > 0) {
    return {
      scope: null,
      problem: `runners of the ${configuration.account_type} account ${configuration.account_login} are registered per repository: the configuration must name exactly one`,
    };
  }
  return { scope: { owner, repo }, problem: null };
}

function specOf(
  configuration: RunnerConfiguration,
  instance: { id: string; name: string; labels: string[] },
): RunnerInstanceSpec {
  const { scope, problem } = runnerScope(configuration);
  const image =
    configuration.image ??
    `${configuration.image_repository ?? ""}:${configuration.image_tag ?? ""}`;
  const gpus = configuration.gpu_count ?? 0;
  return {
    instanceId: instance.id,
    instanceName: instance.name,
    runnerId: configuration.id,
    workspaceId: configuration.workspace_id,
    namespace: configuration.namespace,
    installationId: Number(configuration.installation_id),
    scope,
    scopeProblem: problem,
    labels: instance.labels,
    image,
    cpu: configuration.cpu,
    memory: configuration.memory,
    gpu: gpus > 0 ? { count: gpus, type: configuration.gpu_type ?? null } : null,
    spot: configuration.spot ?? false,
    arch: configuration.arch ?? "amd64",
    // Pull secrets of custom registries belong to the workspace's tenancy; none yet.
    imagePullSecretNames: [],
  };
}

const terminalStates = new Set<RunnerInstanceState>(["terminated", "failed"]);

/**
 * Admits an instance: records it (state pending) if the configuration is usable and the
 * workspace's plan and the configuration's maxRunners have room, all under a lock on
 * the workspace row, so that admissions of one workspace at once cannot together
 * exceed either. An instance recorded earlier (a retry) is admitted again as it is.
 * `unlessRefused` may refuse a new instance for a reason of the caller's, under the
 * same lock, after the checks of its own.
 */
export async function admitInstance(
  db: Kysely<Database>,
  input: {
    runnerId: string;
    /** The name, or how to name it after the configuration. */
    instanceName: string | ((configuration: RunnerConfiguration) => string);
  },
  unlessRefused?: (
    trx: Transaction<Database>,
    configuration: RunnerConfiguration,
  ) => Promise<string | null>,
  /** Refuse rather than wait while another admission of the workspace holds its lock. */
  noWait = false,
): Promise<Admission> {
  return db.transaction().execute(async (trx) => {
    const configuration = await readConfiguration(trx, input.runnerId);
    if (configuration === undefined) {
      return { kind: "refused", reason: "the runner configuration does not exist" };
    }
    const instanceName =
      typeof input.instanceName === "string"
        ? input.instanceName
        : input.instanceName(configuration);
    const locking = trx
      .selectFrom("workspaces")
      .select("id")
      .where("id", "=", configuration.workspace_id)
      .forUpdate();
    const locked = await (noWait ? locking.skipLocked() : locking).execute();
    if (locked.length === 0 && noWait) {
      return { kind: "refused", reason: "another admission of the workspace is under way" };
    }
    const existing = await trx
      .selectFrom("runner_instances")
      .select(["id", "name", "labels", "runner_id", "state"])
      .where("name", "=", instanceName)
      .executeTakeFirst();
    if (existing !== undefined) {
      if (existing.runner_id !== input.runnerId) {
        throw ApplicationFailure.nonRetryable(
          `instance name ${instanceName} belongs to another runner configuration`,
          "InstanceNameTakenError",
        );
      }
      if (terminalStates.has(existing.state)) {
        return { kind: "refused", reason: `the instance already ended (${existing.state})` };
      }
      return { kind: "admitted", spec: specOf(configuration, existing) };
    }
    const unusable = unusableBecause(configuration);
    if (unusable !== null) return { kind: "refused", reason: unusable };
    const room = await configurationHeadroom(trx, configuration);
    if (room.headroom < 1) {
      return { kind: "refused", reason: room.reason ?? "no room for another runner" };
    }
    const refusal = unlessRefused === undefined ? null : await unlessRefused(trx, configuration);
    if (refusal !== null) return { kind: "refused", reason: refusal };
    const labels = jitRunnerLabels(configuration);
    const row = await trx
      .insertInto("runner_instances")
      .values({
        runner_id: configuration.id,
        workspace_id: configuration.workspace_id,
        name: instanceName,
        labels,
        pod_name: instanceName,
      })
      .returning(["id", "name", "labels"])
      .executeTakeFirstOrThrow();
    return { kind: "admitted", spec: specOf(configuration, row) };
  });
}

export function createRunnerInstanceActivities(deps: {
  db: Kysely<Database>;
  metrics?: RunnerMetrics;
}) {
  const { db } = deps;

  return {
    /**
     * Records the instance (state pending) if the configuration is usable and the
     * workspace's plan has room, all under a lock on the workspace row, so that pools
     * of one workspace starting at once cannot together exceed its plan. An instance
     * recorded earlier (a retry) is admitted again as it is.
     */
    async admitRunnerInstance(input: {
      runnerId: string;
      instanceName: string;
    }): Promise<Admission> {
      return admitInstance(db, input);
    },

    /**
     * Moves a live instance forward: idle stamps registered_at, busy stamps
     * job_started_at (and the job, when known), terminating marks teardown. A state
     * already passed is left alone, so reports arriving late change nothing.
     */
    async recordRunnerInstanceState(input: {
      instanceName: string;
      state: "idle" | "busy" | "terminating";
      jobId?: number | null;
    }): Promise<void> {
      const earlier: Record<typeof input.state, RunnerInstanceState[]> = {
        idle: ["pending", "registering"],
        busy: ["pending", "registering", "idle"],
        terminating: ["pending", "registering", "idle", "busy"],
      };
      await db
        .updateTable("runner_instances")
        .set({
          state: input.state,
          registered_at: sql`coalesce(registered_at, ${input.state === "terminating" ? null : sql`now()`})`,
          job_started_at:
            input.state === "busy" ? sql`coalesce(job_started_at, now())` : sql`job_started_at`,
          github_job_id:
            input.jobId == null ? sql`github_job_id` : sql`coalesce(github_job_id, ${input.jobId})`,
        })
        .where("name", "=", input.instanceName)
        .where("state", "in", earlier[input.state])
        .execute();
      if (input.state !== "terminating") {
        // The first runner that registers ends a new configuration's "provisioning".
        // (Recovery from "error" is the pool's call: it knows when a halt is over.)
        await db
          .updateTable("runners")
          .set({ status: "active" })
          .where("status", "=", "provisioning")
          .where("id", "=", (eb) =>
            eb
              .selectFrom("runner_instances")
              .select("runner_id")
              .where("name", "=", input.instanceName),
          )
          .execute();
      }
      if (input.jobId != null) await linkJob(db, input.instanceName);
    },

    /**
     * The final record: terminated, or failed with the reason (a failed start, a pod
     * taken away by Kubernetes, or one lost while it ran a job). The job the instance
     * ran is linked both ways, so a job's record leads to what happened to its runner;
     * a job lost to a disruption is marked for a re-run when the offering says so.
     */
    async finishRunnerInstance(input: {
      instanceName: string;
      outcome: InstanceOutcome;
    }): Promise<void> {
      const { outcome } = input;
      const failureReason =
        outcome.kind === "failed-start" || outcome.kind === "lost" || outcome.kind === "disrupted"
          ? outcome.reason
          : null;
      const disruption =
        outcome.kind === "lost" || outcome.kind === "disrupted"
          ? (outcome.disruption ?? null)
          : null;
      const jobId = outcome.kind === "completed" || outcome.kind === "lost" ? outcome.jobId : null;
      const ended = await db
        .updateTable("runner_instances")
        .set({
          state: failureReason === null ? "terminated" : "failed",
          failure_reason: failureReason,
          disruption,
          terminated_at: sql`now()`,
          github_job_id:
            jobId === null ? sql`github_job_id` : sql`coalesce(github_job_id, ${jobId})`,
        })
        .where("name", "=", input.instanceName)
        .where("state", "in", liveInstanceStates)
        .returning("runner_id")
        .executeTakeFirst();
      if (ended && failureReason !== null) {
        await deps.metrics?.instanceFailed(ended.runner_id, outcome.kind);
      }
      await linkJob(db, input.instanceName);
    },
  };
}

/**
 * Joins an instance and the job it ran. GitHub names the runner in the job's
 * in_progress event, which the job workflow records as runner_name; the instance may
 * learn the job id first (from the pool) or only at the end, so this runs at both
 * points and whichever side is written last completes the link (and, for a job lost to
 * a disruption, decides whether it is re-run).
 */
export async function linkJob(
  db: Kysely<Database> | Transaction<Database>,
  instanceName: string,
): Promise<void> {
  const instance = await db
    .selectFrom("runner_instances")
    .select(["id", "workspace_id", "github_job_id"])
    .where("name", "=", instanceName)
    .executeTakeFirst();
  if (instance === undefined) return;
  const job = await db
    .selectFrom("jobs")
    .select(["github_job_id", "github_started_at"])
    .where("workspace_id", "=", instance.workspace_id)
    .where((eb) =>
      instance.github_job_id === null
        ? eb("runner_name", "=", instanceName)
        : eb.or([
            eb("runner_name", "=", instanceName),
            eb("github_job_id", "=", instance.github_job_id),
          ]),
    )
    .orderBy("github_created_at", "desc")
    .executeTakeFirst();
  if (job === undefined) return;
  await db
    .updateTable("jobs")
    .set({ runner_instance_id: instance.id })
    .where("github_job_id", "=", job.github_job_id)
    .where("runner_instance_id", "is", null)
    .execute();
  await db
    .updateTable("runner_instances")
    .set({
      github_job_id: sql`coalesce(github_job_id, ${job.github_job_id})`,
      job_started_at: sql`coalesce(job_started_at, ${job.github_started_at})`,
    })
    .where("id", "=", instance.id)
    .execute();
  await markLostJobRerun(db, instance.id);
}

export type RunnerInstanceActivities = ReturnType<typeof createRunnerInstanceActivities>;
