import { createHash } from "node:crypto";
import { WorkflowExecutionAlreadyStartedError, type Client } from "@temporalio/client";
import { WorkflowIdReusePolicy } from "@temporalio/common";
import { sql, type Kysely, type Transaction } from "kysely";
import { instanceNameSuffix, runnerInstanceName } from "../domain/runner-instance.js";
import type { RunnerTimings } from "../domain/runner-pool.js";
import { workflowIds, workflowTypes } from "../domain/workflow-names.js";
import type { Cluster } from "../kubernetes/cluster.js";
import type { Logger } from "../observability/logger.js";
import type { Database } from "../storage/schema.js";
import type { RunnerInstanceInput } from "../workflows/runner-instance.js";
import { pausedBecause } from "./runner-configurations.js";
import { admitInstance, type Admission } from "./runner-instances.js";
import { runnerPodOf, type RunnerPodOptions } from "./runner-launch.js";

// The first runner for a new queued job, started while the job workflow resolves the
// job (activities/jobs.ts, resolveJob) when its configuration has fewer runners ready or
// on their way than queued jobs: the case where the pool's answer is known before it is
// asked (count-based: one more queued job than runners to take them → start one), and
// that of every job after a quiet spell with minIdle 0. The pool would start it after the
// job's record, a signal, a workflow task and a snapshot, and its instance would admit
// itself and create its Pod a workflow task after that; here it is admitted, its Pod
// created and its workflow started at once, and the pool, told of the demand in the job
// workflow's next step, finds it recorded and counts it as its own (runner-pool-book.ts
// adopts live instances it did not start).
//
// Everything else stays the pool's. A runner is started here only when the configuration's
// recent queued jobs (this one included) outnumber its runners pending, registering or
// idle, fewer than the pool's maxStarting are starting, the configuration is not in error
// and none of its runners failed within the pool's longest back-off (so a broken image
// is backed off as before), and the admission's own limits hold (maxRunners, the
// workspace's quota); all under the workspace lock admissions take, so two jobs at once
// do not both count the same shortfall. The instance is named after the job, so a retried
// step admits and starts the same one.

/**
 * Queued jobs older than this are not counted as wanting a runner here: a row whose
 * completion was missed would otherwise start runners for nobody. Undercounting only
 * leaves a start to the pool.
 */
const QUEUED_WINDOW_SECONDS = 600;

/** The job's own runner is admitted already. */
const OWN = Symbol("own runner");

export function createFirstRunnerStart(deps: {
  db: Kysely<Database>;
  temporal: Client;
  taskQueue: string;
  timings: RunnerTimings;
  /** Given the cluster, the runner's Pod is created at once, as its launch would. */
  cluster?: Cluster;
  pods?: RunnerPodOptions;
  logger?: Logger;
}) {
  const { db, temporal, taskQueue, timings } = deps;
  const failureWindowMs = timings.startBackoffMs * 2 ** timings.maxFailedStarts;

  /**
   * Why the configuration needs no runner started for the job here; null when it does,
   * OWN when this job's runner was admitted already (by an earlier try of the step).
   */
  async function shortfall(
    runner: Kysely<Database> | Transaction<Database>,
    demand: { runnerId: string; jobId: number },
  ): Promise<string | null | typeof OWN> {
    const { rows } = await sql<{
      own: boolean;
      wanted: number;
      ready: number;
      starting: number;
      failed: boolean;
    }>`
      WITH recent AS (
        SELECT github_job_id, status, runner_name FROM jobs
        WHERE runner_id = ${demand.runnerId}
          AND github_created_at > now() - make_interval(secs => ${QUEUED_WINDOW_SECONDS})
      )
      SELECT
        -- This job's own runner, admitted by an earlier try of this step: started again.
        EXISTS (SELECT FROM runner_instances WHERE runner_id = ${demand.runnerId}
          AND name LIKE ${`%-${instanceNameSuffix(jobSuffix(demand.jobId))}`}
          AND state IN ('pending', 'registering', 'idle')) AS own,
        (SELECT count(*) FROM recent
          WHERE status = 'queued' AND github_job_id <> ${demand.jobId})::int + 1 AS wanted,
        -- A runner a job has named is taken, whatever its own record says yet.
        count(*) FILTER (WHERE state IN ('pending', 'registering', 'idle')
          AND github_job_id IS NULL
          AND name NOT IN (SELECT runner_name FROM recent WHERE runner_name IS NOT NULL)
        )::int AS ready,
        count(*) FILTER (WHERE state IN ('pending', 'registering'))::int AS starting,
        coalesce(bool_or(state = 'failed'
          AND terminated_at > now() - make_interval(secs => ${failureWindowMs / 1000})), false)
          AS failed
      FROM runner_instances
      WHERE runner_id = ${demand.runnerId}
        AND (state IN ('pending', 'registering', 'idle')
          OR state = 'failed' AND terminated_at > now() - interval '1 hour')`.execute(runner);
    const counts = rows[0];
    if (counts === undefined) return "no counts";
    if (counts.own) return OWN;
    if (counts.failed) return "a runner failed recently";
    if (counts.ready >= counts.wanted) return "the queued jobs have runners ready or on their way";
    if (counts.starting >= timings.maxStarting) return "the pool starts as many as it may";
    return null;
  }

  /**
   * Admits the first runner for the job, or says why not (the pool decides then). An
   * admitted one is started by `start`, before the pool is told of the job: the
   * pool needs only the admission's row to count it.
   */
  return async function admitFirstRunner(demand: {
    runnerId: string;
    jobId: number;
  }): Promise<{ name: string; start: () => Promise<void> } | { skipped: string }> {
    // Looked at first without the workspace's lock, which every admission of the
    // workspace takes: in a burst most jobs find enough runners coming, and must not
    // queue on that lock to learn it. Under the lock the admission looks again.
    let admission: Admission;
    try {
      const unlocked = await shortfall(db, demand);
      if (typeof unlocked === "string") return { skipped: unlocked };
      admission = await admitInstance(
        db,
        {
          runnerId: demand.runnerId,
          instanceName: (configuration) =>
            runnerInstanceName(configuration.name, jobSuffix(demand.jobId)),
        },
        async (trx, configuration) => {
          if (configuration.status === "error") return "the configuration is in error";
          const paused = pausedBecause(configuration);
          if (paused !== null) return paused;
          const locked = await shortfall(trx, demand);
          return locked === OWN ? null : locked;
        },
        // In a burst every job finds a shortfall at first; queueing them all on the
        // workspace's lock would hold their workflow tasks for seconds. The one that
        // gets it starts a runner, the others leave theirs to the pool. A runner
        // admitted for this job already waits its turn: it must be started.
        unlocked !== OWN,
      );
    } catch (error) {
      // A shortcut, never a reason for the job's step to fail: the pool starts the runner.
      deps.logger?.warn(
        { jobId: demand.jobId, runnerId: demand.runnerId, error: String(error) },
        "could not admit a first runner; the pool decides",
      );
      return { skipped: `admission failed: ${String(error)}` };
    }
    if (admission.kind === "refused") return { skipped: admission.reason };
    const { spec } = admission;
    const input: RunnerInstanceInput = {
      runnerId: demand.runnerId,
      instanceName: spec.instanceName,
      poolWorkflowId: workflowIds.runnerPool(demand.runnerId),
      timings,
      admitted: spec,
    };
    const startWorkflow = async () => {
      try {
        await temporal.workflow.start(workflowTypes.runnerInstance, {
          workflowId: workflowIds.runnerInstance(spec.instanceName),
          taskQueue,
          args: [input],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    };
    // The Pod first, as the launch does (the kubelet holds its container until the JIT
    // Secret exists): scheduling and the image pull start while the instance's workflow
    // starts and mints the registration. Any failure here is the launch's to meet again
    // and report; the Pod is the same object either way.
    const createPod = async () => {
      if (deps.cluster === undefined) return;
      try {
        await deps.cluster.create(runnerPodOf(spec, deps.pods));
      } catch (error) {
        deps.logger?.debug(
          { instance: spec.instanceName, error: String(error) },
          "first runner's pod left to its launch",
        );
      }
    };
    const start = async () => {
      await Promise.all([createPod(), startWorkflow()]);
    };
    return { name: spec.instanceName, start };
  };
}

export type FirstRunnerAdmission = ReturnType<typeof createFirstRunnerStart>;

/** A name suffix of the job's own: the same job always names the same instance. */
function jobSuffix(jobId: number): string {
  return createHash("sha256").update(`first-runner:${jobId}`).digest("hex");
}
