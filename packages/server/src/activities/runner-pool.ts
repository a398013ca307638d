import { createHash } from "node:crypto";
import { WorkflowExecutionAlreadyStartedError, type Client } from "@temporalio/client";
import { WorkflowIdReusePolicy } from "@temporalio/common";
import type { Kysely } from "kysely";
import { prewarmSize, type PrewarmSize } from "../domain/prewarm.js";
import { defaultRunnerTimings, type RunnerTimings } from "../domain/runner-pool.js";
import { mergeJobDemand, parseJobDemand } from "../domain/workflow-jobs.js";
import { runnerPoolSignals, workflowIds, workflowTypes } from "../domain/workflow-names.js";
import type { Database } from "../storage/schema.js";
import type { RunnerInstanceInput } from "../workflows/runner-instance.js";
import type { RunnerInstanceState, RunnerStatus } from "../storage/schema/runners.js";
import {
  configurationHeadroom,
  liveInstanceStates,
  readConfiguration,
  pausedBecause,
  unusableBecause,
  type RunnerConfiguration,
} from "./runner-configurations.js";
import { activityContext } from "./activity-context.js";
import type { RunnerGroupUpkeep } from "./runner-group-upkeep.js";

// What the runner pool workflow reads and writes: one snapshot of its configuration,
// the workspace's room, the jobs and instances it tracks, per evaluation; and the
// configuration's status when starts keep failing (or work again). The snapshot's
// minimum of idle runners includes pre-warming, sized from the analysed workflow files
// on every read, so a push that changes them takes effect at the pool's next look.

export type PoolSnapshot = {
  exists: boolean;
  name: string;
  /** The idle runners to keep: the configuration's min_idle, or more when pre-warming asks. */
  minIdle: number;
  maxRunners: number;
  /**
   * Pre-warming's sizing, so the pool's history shows why minIdle (which includes it)
   * is what it is; null when the configuration does not pre-warm.
   */
  prewarm?: Pick<PrewarmSize, "matchingJobs" | "warmTarget"> | null;
  /** Jobs lost with a disrupted runner of this configuration, waiting to be re-run. */
  rerunJobIds?: number[];
  status: RunnerStatus;
  /** Deleted (or being deleted): the pool drains its instances and ends. */
  draining: boolean;
  /**
   * Suspended, or the installation's service switched off: no idle runner is kept (one
   * would take a new job), running jobs finish. Optional: older histories lack it.
   */
  paused?: boolean;
  /** Why no instance may start now (suspended, installation gone, …); null when one may. */
  unusable: string | null;
  /** Changes whenever what instances are made from changes: a halted pool tries again. */
  fingerprint: string;
  /** More instances the workspace's plan and the configuration's maximum admit now. */
  headroom: number;
  /** Of the queued jobs asked about, those a runner has started or that are finished. */
  settledJobIds: number[];
  /** Every live instance of the configuration, as recorded. */
  liveInstances: {
    name: string;
    state: RunnerInstanceState;
    createdAtMs: number;
    registeredAtMs: number | null;
  }[];
  /** Of the instances asked about, those whose record has ended. */
  endedInstances: string[];
  timings: RunnerTimings;
};

/** What instances are made from; the status and sizes of the pool are not part of it. */
function fingerprint(configuration: RunnerConfiguration): string {
  const made = [
    configuration.image,
    configuration.offering_id,
    configuration.cpu,
    configuration.memory,
    configuration.labels,
    configuration.registry_credential_id,
    configuration.namespace,
    configuration.repositories,
  ];
  return createHash("sha256").update(JSON.stringify(made)).digest("hex").slice(0, 16);
}

export function createRunnerPoolActivities(deps: {
  db: Kysely<Database>;
  timings?: Partial<RunnerTimings>;
  /** Where instance workflows are started; without it the pool cannot start any. */
  temporal?: { client: Client; taskQueue: string };
  /** The configurations' runner groups; without it they follow only at launches. */
  groups?: Pick<RunnerGroupUpkeep, "followAllowList" | "removeGroup">;
}) {
  const { db } = deps;
  const timings: RunnerTimings = { ...defaultRunnerTimings, ...deps.timings };

  return {
    async readPoolSnapshot(input: {
      runnerId: string;
      queuedJobIds: number[];
      instanceNames: string[];
    }): Promise<PoolSnapshot> {
      const configuration = await readConfiguration(db, input.runnerId);
      if (configuration === undefined) {
        return {
          exists: false,
          name: "",
          minIdle: 0,
          maxRunners: 0,
          prewarm: null,
          rerunJobIds: [],
          status: "deleting",
          draining: true,
          paused: false,
          unusable: "the runner configuration does not exist",
          fingerprint: "",
          headroom: 0,
          settledJobIds: [],
          liveInstances: [],
          endedInstances: input.instanceNames,
          timings,
        };
      }
      // A narrowed allow-list must reach the runners already registered (idle ones take
      // the next job their group admits), not only the next launch; the pool looks here
      // right after the API changed the configuration.
      const draining = configuration.deleted_at !== null || configuration.status === "deleting";
      if (!draining) await deps.groups?.followAllowList(configuration);
      // Independent reads, none under a lock: taken together they are no less current
      // one after another, and the pool waits for the slowest rather than their sum.
      const [settled, live, ended, { headroom }, prewarm, reruns] = await Promise.all([
        input.queuedJobIds.length === 0
          ? []
          : db
              .selectFrom("jobs")
              .select("github_job_id")
              .where("github_job_id", "in", input.queuedJobIds.map(BigInt))
              .where("status", "in", ["in_progress", "completed"])
              .execute(),
        db
          .selectFrom("runner_instances")
          .select(["name", "state", "created_at", "registered_at"])
          .where("runner_id", "=", input.runnerId)
          .where("state", "in", liveInstanceStates)
          .execute(),
        input.instanceNames.length === 0
          ? []
          : db
              .selectFrom("runner_instances")
              .select("name")
              .where("name", "in", input.instanceNames)
              .where("state", "in", ["terminated", "failed"])
              .execute(),
        configurationHeadroom(db, configuration),
        prewarmFor(db, configuration),
        db
          .selectFrom("jobs as j")
          .innerJoin("runner_instances as ri", "ri.id", "j.runner_instance_id")
          .select("j.github_job_id")
          .where("ri.runner_id", "=", input.runnerId)
          .where("j.rerun_state", "=", "waiting")
          .orderBy("j.github_job_id")
          .execute(),
      ]);
      return {
        exists: true,
        name: configuration.name,
        minIdle: prewarm?.minIdle ?? configuration.min_idle,
        maxRunners: configuration.max_runners,
        prewarm:
          prewarm === null
            ? null
            : { matchingJobs: prewarm.matchingJobs, warmTarget: prewarm.warmTarget },
        rerunJobIds: reruns.map((row) => Number(row.github_job_id)),
        status: configuration.status,
        draining:
          configuration.deleted_at !== null ||
          configuration.status === "deleting" ||
          configuration.workspace_deleted_at !== null,
        paused: pausedBecause(configuration) !== null,
        unusable: unusableBecause(configuration),
        fingerprint: fingerprint(configuration),
        headroom,
        settledJobIds: settled.map((row) => Number(row.github_job_id)),
        liveInstances: live.map((row) => ({
          name: row.name,
          state: row.state,
          createdAtMs: row.created_at.getTime(),
          registeredAtMs: row.registered_at?.getTime() ?? null,
        })),
        endedInstances: ended.map((row) => row.name),
        timings,
      };
    },

    /**
     * Starts runner instance workflows, each by its own id, from the worker rather than
     * as the pool's children. A child start is carried out by the server on the parent's
     * behalf, and the server puts it off while the parent is busy, waiting longer each
     * time; in a burst the pool is busy all the time, and its starts (counted against its
     * cap of starting runners) came in waves with minutes of nothing between them. A
     * start made here waits for no other workflow. An id already used (by an earlier
     * attempt of this call) is no second start.
     */
    async startRunnerInstances(input: { starts: RunnerInstanceInput[] }): Promise<void> {
      const temporal = deps.temporal;
      if (temporal === undefined) {
        throw new Error("no Temporal client configured for starting runner instances");
      }
      await Promise.all(
        input.starts.map(async (start) => {
          try {
            await temporal.client.workflow.start(workflowTypes.runnerInstance, {
              workflowId: workflowIds.runnerInstance(start.instanceName),
              taskQueue: temporal.taskQueue,
              args: [start],
              workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            });
          } catch (error) {
            if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          }
        }),
      );
    },

    /**
     * The pool of a configuration being deleted has drained: nothing of it runs any more,
     * so the configuration is gone (and its name free for a new one). Only a
     * configuration still `deleting` is marked; a repeated call changes nothing.
     */
    async finishRunnerDeletion(input: { runnerId: string }): Promise<void> {
      await db
        .updateTable("runners")
        .set({ deleted_at: new Date() })
        .where("id", "=", input.runnerId)
        .where("status", "=", "deleting")
        .where("deleted_at", "is", null)
        .execute();
      if (deps.groups !== undefined) await removeGroup(deps.groups, input.runnerId);
    },

    /** Failed starts halted the pool: the configuration shows why (the API's status_message). */
    async setRunnerConfigurationError(input: { runnerId: string; message: string }): Promise<void> {
      await db
        .updateTable("runners")
        .set({ status: "error", status_message: input.message })
        .where("id", "=", input.runnerId)
        .where("status", "in", ["provisioning", "active", "error"])
        .execute();
    },

    /** A runner of the configuration worked: it is active, whatever failed before. */
    async markRunnerConfigurationHealthy(input: { runnerId: string }): Promise<void> {
      await db
        .updateTable("runners")
        .set({ status: "active", status_message: null })
        .where("id", "=", input.runnerId)
        .where("status", "in", ["provisioning", "error"])
        .execute();
    },
  };
}

export type RunnerPoolActivities = ReturnType<typeof createRunnerPoolActivities>;

/** Tries of the group's deletion before the pool ends and leaves it to the runner sweep. */
const GROUP_DELETION_ATTEMPTS = 4;

/**
 * Deletes the drained configuration's runner group, best effort: a failure (GitHub
 * unavailable, or a runner still in the group) fails this try, so Temporal tries again
 * after a pause, up to a few tries; after that the pool ends without it and the runner
 * sweep deletes the group once it can. Never holds up the pool for long.
 */
async function removeGroup(
  groups: Pick<RunnerGroupUpkeep, "removeGroup">,
  runnerId: string,
): Promise<void> {
  const attempt = activityContext()?.info.attempt ?? GROUP_DELETION_ATTEMPTS;
  const lastTry = attempt >= GROUP_DELETION_ATTEMPTS;
  let problem: string;
  try {
    const result = await groups.removeGroup(runnerId);
    if (result === null || result.kind !== "occupied") return;
    problem = `${result.runners} runner(s) still in it`;
  } catch (error) {
    problem = String(error);
  }
  if (lastTry) {
    activityContext()?.log.warn("runner group left for the runner sweep", { runnerId, problem });
    return;
  }
  throw new Error(`the runner group of ${runnerId} was not deleted: ${problem}`);
}

/**
 * Pre-warming's sizing for a configuration that opts in: the jobs of the analysed
 * workflow files of the repositories it serves (all of its installation's when it names
 * none), matched as GitHub and Hangar's job routing would match them.
 */
async function prewarmFor(
  db: Kysely<Database>,
  configuration: RunnerConfiguration,
): Promise<PrewarmSize | null> {
  if (configuration.prewarm_max_idle === null) return null;
  const [configurations, repositories] = await Promise.all([
    db
      .selectFrom("runners")
      .select(["id", "name", "labels"])
      .where("installation_id", "=", configuration.installation_id)
      .where("workspace_id", "=", configuration.workspace_id)
      .where("deleted_at", "is", null)
      .execute(),
    db
      .selectFrom("repositories")
      .select(["full_name", "workflow_jobs"])
      .where("installation_id", "=", configuration.installation_id)
      .where("removed_at", "is", null)
      .where("archived", "=", false)
      .execute(),
  ]);
  const served = new Set(configuration.repositories.map((name) => name.toLowerCase()));
  const jobs = mergeJobDemand(
    repositories
      .filter((row) => served.size === 0 || served.has(row.full_name.toLowerCase()))
      .map((row) => parseJobDemand(row.workflow_jobs)),
  );
  return prewarmSize({
    runner: {
      id: configuration.id,
      name: configuration.name,
      labels: configuration.labels,
      arch: configuration.arch ?? "amd64",
      minIdle: configuration.min_idle,
      maxRunners: configuration.max_runners,
      prewarmMaxIdle: configuration.prewarm_max_idle,
    },
    configurations,
    jobs,
  });
}

/**
 * Starts the configuration's pool if it is not running and asks it to look again,
 * e.g. after the configuration changed or when a worker starts (pools of
 * configurations with a minimum of idle runners must run before any job comes).
 */
export async function startRunnerPool(
  client: Client,
  input: { runnerId: string; taskQueue: string },
): Promise<void> {
  await client.workflow.signalWithStart(workflowTypes.runnerPool, {
    workflowId: workflowIds.runnerPool(input.runnerId),
    taskQueue: input.taskQueue,
    args: [{ runnerId: input.runnerId }],
    signal: runnerPoolSignals.reconcile,
    signalArgs: [],
  });
}

/** Starts the pools of every live configuration that keeps idle runners or pre-warms. */
export async function startStandingRunnerPools(
  db: Kysely<Database>,
  client: Client,
  taskQueue: string,
): Promise<number> {
  const rows = await db
    .selectFrom("runners")
    .select("id")
    .where("deleted_at", "is", null)
    .where((eb) => eb.or([eb("min_idle", ">", 0), eb("prewarm_max_idle", "is not", null)]))
    .execute();
  for (const row of rows) await startRunnerPool(client, { runnerId: row.id, taskQueue });
  return rows.length;
}
