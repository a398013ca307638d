import { WorkflowNotFoundError, type Client } from "@temporalio/client";
import type { Kysely } from "kysely";
import type { PoolDemand } from "../domain/runner-pool.js";
import {
  runnerInstanceSignals,
  runnerPoolSignals,
  workflowIds,
  workflowTypes,
} from "../domain/workflow-names.js";
import type { Logger } from "../observability/logger.js";
import type { Database } from "../storage/schema.js";
import type { JobDemand, RunnerSide } from "./runner-side.js";
import { linkJob } from "./runner-instances.js";
import { startRunnerPool } from "./runner-pool.js";

// The runner side the job workflow talks to: a job's demand goes to the pool of the
// runner configuration its labels matched (jobs.runner_id, set when the job workflow
// resolved it); jobs no configuration serves have no pool and are left alone.

export interface InstallationTenancy {
  prepareInstallation(installationId: number): Promise<void>;
  teardownInstallation(installationId: number): Promise<void>;
}

export function createPoolRunnerSide(deps: {
  db: Kysely<Database>;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  /** The installation's namespace and default runners; logged only when absent. */
  tenancy?: InstallationTenancy;
}): RunnerSide {
  const { db, temporal, taskQueue } = deps;
  const log = deps.logger.child({ subsystem: "runner-side" });
  const tellPool = (runnerId: string, signal: PoolDemand) =>
    temporal.workflow.signalWithStart(workflowTypes.runnerPool, {
      workflowId: workflowIds.runnerPool(runnerId),
      taskQueue,
      args: [{ runnerId }],
      signal: runnerPoolSignals.demand,
      signalArgs: [signal],
    });

  return {
    async prepareInstallation(installationId) {
      if (deps.tenancy === undefined) {
        log.info({ installationId }, "prepare installation (no tenancy configured)");
        return;
      }
      await deps.tenancy.prepareInstallation(installationId);
    },

    async teardownInstallation(installationId) {
      if (deps.tenancy === undefined) {
        log.info({ installationId }, "tear down installation (no tenancy configured)");
        return;
      }
      await deps.tenancy.teardownInstallation(installationId);
    },

    /**
     * The job workflow records each event before it sends started or finished demand, so
     * the row says which configuration the job asked for and which runner took it.
     * Queued demand may name its configuration and go out alongside the record.
     */
    async jobDemand(demand: JobDemand) {
      if (demand.kind === "queued" && demand.runnerId !== undefined) {
        await tellPool(demand.runnerId, { jobId: demand.jobId, kind: "queued", runnerName: null });
        return;
      }
      const job = await db
        .selectFrom("jobs")
        .select(["runner_id", "runner_name"])
        .where("github_job_id", "=", BigInt(demand.jobId))
        .executeTakeFirst();
      if (job?.runner_id == null) {
        log.debug({ jobId: demand.jobId }, "job has no runner configuration; no demand");
        return;
      }
      const runnerName = demand.kind === "started" ? job.runner_name : null;
      // The instance may have ended already; link its record to the job either way.
      if (runnerName !== null) await linkJob(db, runnerName);
      const signal: PoolDemand = { jobId: demand.jobId, kind: demand.kind, runnerName };
      await tellPool(job.runner_id, signal);
      if (runnerName === null) return;
      // GitHub may give the job to a runner of another configuration whose labels also
      // fit it: that runner's pool must hear that its instance is busy.
      const instance = await db
        .selectFrom("runner_instances")
        .select("runner_id")
        .where("name", "=", runnerName)
        .executeTakeFirst();
      if (instance === undefined) return;
      if (instance.runner_id !== job.runner_id) await tellPool(instance.runner_id, signal);
      // The instance learns its job from here rather than through its pool, which would
      // be one more signal out of the one workflow every job and runner talks to. Its
      // pools have heard first: an instance told its job need not tell them it is busy.
      try {
        await temporal.workflow
          .getHandle(workflowIds.runnerInstance(runnerName))
          .signal(runnerInstanceSignals.assigned, { jobId: demand.jobId });
      } catch (error) {
        // It has ended already: it has nothing left to learn.
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    },

    /**
     * Pools that pre-warm size themselves from the analysed workflow files of their
     * installation's repositories: they are started if need be and told to look again.
     */
    async workflowFilesChanged(installationId) {
      const rows = await db
        .selectFrom("runners")
        .select("id")
        .where("installation_id", "=", BigInt(installationId))
        .where("deleted_at", "is", null)
        .where("prewarm_max_idle", "is not", null)
        .execute();
      for (const row of rows) await startRunnerPool(temporal, { runnerId: row.id, taskQueue });
    },
  };
}

/**
 * Runs an installation's namespace through its workspace's tenancy: preparing it
 * converges the workspace's share of the cluster; so does tearing it down, which
 * removes the namespace only when the workspace itself is deleted (another
 * installation of the workspace may still use it).
 */
export function installationTenancy(deps: {
  db: Kysely<Database>;
  ensureWorkspaceCluster: (workspaceId: string) => Promise<unknown>;
}): InstallationTenancy {
  const converge = async (installationId: number) => {
    const row = await deps.db
      .selectFrom("github_installations")
      .select("workspace_id")
      .where("installation_id", "=", BigInt(installationId))
      .executeTakeFirst();
    if (row?.workspace_id == null) return;
    await deps.ensureWorkspaceCluster(row.workspace_id);
  };
  return { prepareInstallation: converge, teardownInstallation: converge };
}
