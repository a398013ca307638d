import { hostname } from "node:os";
import { Client, Connection } from "@temporalio/client";
import { NativeConnection, Worker } from "@temporalio/worker";
import type { Kysely } from "kysely";
import type pg from "pg";
import { createInstallationActivities } from "../activities/installation.js";
import { createJobActivities, type JobSettings } from "../activities/jobs.js";
import { createRedeliveryActivities } from "../activities/redelivery.js";
import { startStandingRunnerPools } from "../activities/runner-pool.js";
import { createLoggingRunnerSide, createRunnerSideActivities } from "../activities/runner-side.js";
import { createRunActivities } from "../activities/runs.js";
import { createTenancyConvergenceActivities } from "../activities/tenancy-convergence.js";
import { createSelfCheckActivities } from "../activities/self-check.js";
import { createUsageActivities } from "../activities/usage.js";
import { createWorkflowFileActivities } from "../activities/workflow-files.js";
import type { RunnerTimings } from "../domain/runner-pool.js";
import type { GitHubApp } from "../github/types.js";
import { createCluster, loadKubeConfig, type KubernetesCluster } from "../kubernetes/cluster.js";
import type { Config } from "../config/types.js";
import type { Logger } from "../observability/logger.js";
import type { Tracing } from "../observability/tracing.js";
import { registerGitHubGauges } from "../observability/metrics-github.js";
import { createRunnerMetrics, registerRunnerGauges } from "../observability/metrics-runners.js";
import { serveMetrics, type RoleMetrics } from "../observability/metrics-server.js";
import type { Database } from "../storage/schema.js";
import { workflowsPath } from "../workflow-bundle.js";
import { startUsageRollup } from "./usage-rollup.js";
import {
  createRunnerActivities,
  podOptionsFrom,
  runnerTimingsFrom,
  startRunnerSweep,
  startTenancyConvergence,
  tenancyFrom,
  workspaceTenancyFrom,
} from "./runners.js";

const MAX_CONCURRENT_ACTIVITIES = 2_000;

export interface RunningWorker {
  identity: string;
  /** Where /metrics is served, when this role serves it. */
  metricsUrl: string | undefined;
  /** Resolves when the worker stops; rejects if it crashes. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export async function connectTemporalWorker(
  config: Pick<Config, "temporal">,
): Promise<NativeConnection> {
  const apiKey = config.temporal.apiKey?.reveal();
  return NativeConnection.connect({
    address: config.temporal.address,
    tls: config.temporal.tls,
    ...(apiKey ? { apiKey } : {}),
  });
}

/** A Temporal client as the configuration says (TLS, API key), tracing through it when given. */
export async function connectTemporalClient(
  config: Pick<Config, "temporal">,
  tracing: Tracing | undefined,
): Promise<{ client: Client; connection: Connection }> {
  const apiKey = config.temporal.apiKey?.reveal();
  const connection = await Connection.connect({
    address: config.temporal.address,
    tls: config.temporal.tls,
    ...(apiKey ? { apiKey } : {}),
  });
  const interceptors = tracing?.clientInterceptors() ?? {};
  return {
    client: new Client({ connection, namespace: config.temporal.namespace, interceptors }),
    connection,
  };
}

/**
 * The worker role: registers every workflow and the activities built from
 * their dependencies, then polls the task queue until stopped.
 */
export async function startWorker(deps: {
  /**
   * Without `kubernetes` (and no `cluster`) runner provisioning is off and job demand
   * is only logged, for processes that exercise the event pipeline alone.
   */
  config: Pick<Config, "temporal"> &
    Partial<Pick<Config, "kubernetes" | "runners" | "encryption" | "billing">>;
  db: Kysely<Database>;
  /** The pool behind `db`: hot statements (usage recording) run prepared on it. */
  pool?: pg.Pool;
  logger: Logger;
  /** The GitHub App (or the simulator's); null leaves GitHub-backed activities failing. */
  github: GitHubApp | null;
  /** Overrides of the job workflow's timing (tests shorten the grace after completion). */
  jobSettings?: Partial<JobSettings>;
  /** Job demand signals runner pools through it; the worker connects one when absent. */
  temporalClient?: Client;
  /** Where runners run; built from config.kubernetes when absent. */
  cluster?: KubernetesCluster;
  /** Overrides of the runner timings from config (tests shorten them). */
  runnerTimings?: Partial<RunnerTimings>;
  /** False: do not start the runner sweep (tests sharing a Temporal namespace). */
  runnerSweep?: boolean;
  /** Runner and job metrics (events counted here, fleet gauges read at scrape time). */
  metrics?: RoleMetrics;
  /** Workflow and activity spans, and trace propagation through its own client. */
  tracing?: Tracing;
}): Promise<RunningWorker> {
  const { config, db, logger, github } = deps;
  const metrics = deps.metrics?.metrics;
  const runnerMetrics = metrics === undefined ? undefined : createRunnerMetrics(metrics, db);
  if (metrics !== undefined) {
    registerRunnerGauges(metrics, db);
    if (github !== null) registerGitHubGauges(metrics, github);
  }
  const identity = `${hostname()}-${process.pid}`;
  const connection = await connectTemporalWorker(config);
  const { kubernetes, encryption } = config;
  const cluster =
    deps.cluster ??
    (kubernetes === undefined ? null : createCluster(loadKubeConfig(kubernetes.connection)));
  const ownClient =
    cluster === null || deps.temporalClient !== undefined
      ? null
      : await connectTemporalClient(config, deps.tracing);
  const temporalClient = deps.temporalClient ?? ownClient?.client ?? null;
  const runnerTimings: Partial<RunnerTimings> = {
    ...(config.runners === undefined ? {} : runnerTimingsFrom({ runners: config.runners })),
    ...deps.runnerTimings,
  };
  const runnerPods = kubernetes === undefined ? {} : podOptionsFrom({ kubernetes });
  // The first-runner step (activities/runner-first-start.ts, createFirstRunner) is not
  // wired in until its interaction with a pool whose runner's pod is deleted mid-job is
  // understood: runner-pool-rerun.test.ts loses a job with it on.
  const runnerActivities =
    cluster === null || temporalClient === null
      ? createRunnerSideActivities({ runnerSide: createLoggingRunnerSide(logger) })
      : createRunnerActivities({
          db,
          github,
          cluster,
          temporal: temporalClient,
          taskQueue: config.temporal.taskQueue,
          logger,
          ...(runnerMetrics ? { metrics: runnerMetrics } : {}),
          timings: runnerTimings,
          pods: runnerPods,
          // Without the encryption keys there is no tenancy to run; installations are
          // then only logged.
          ...(kubernetes === undefined || encryption === undefined
            ? {}
            : { tenancy: tenancyFrom({ config: { kubernetes, encryption }, db, cluster }) }),
        });
  // Workspaces are kept converged on a schedule too, not only on installation events.
  const convergence =
    cluster === null || kubernetes === undefined || encryption === undefined
      ? null
      : createTenancyConvergenceActivities({
          db,
          tenancy: workspaceTenancyFrom({ config: { kubernetes, encryption }, db, cluster }),
          cluster,
          logger,
          ...(runnerMetrics ? { metrics: runnerMetrics } : {}),
        });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    identity,
    workflowsPath,
    ...deps.tracing?.workerOptions(),
    // Every live runner holds one activity for as long as it lives (a heartbeating
    // watch that mostly sleeps), so the SDK's default of 100 would let a few hundred
    // runners starve every other activity. Database work is bounded by its pool anyway.
    maxConcurrentActivityTaskExecutions: MAX_CONCURRENT_ACTIVITIES,
    activities: {
      ...createSelfCheckActivities({ db, workerIdentity: identity }),
      ...createInstallationActivities({ db, github }),
      ...createJobActivities({
        db,
        github,
        settings: deps.jobSettings,
        ...(runnerMetrics ? { metrics: runnerMetrics } : {}),
      }),
      ...createWorkflowFileActivities({ db, github }),
      ...createUsageActivities({
        db,
        ...(deps.pool ? { pool: deps.pool } : {}),
        ...config.billing,
      }),
      ...createRunActivities({ db }),
      ...createRedeliveryActivities({ db, github }),
      ...runnerActivities,
      ...convergence,
    },
  });
  const usageRollup = startUsageRollup({ db, logger });
  const done = worker.run().finally(async () => {
    await usageRollup.stop();
    await connection.close();
    await ownClient?.connection.close();
  });
  logger.info({ taskQueue: config.temporal.taskQueue, identity }, "worker polling");
  const listen = deps.metrics?.listen;
  const metricsServer =
    metrics === undefined || listen === undefined
      ? undefined
      : await serveMetrics(metrics, listen, logger).catch(async (error: unknown) => {
          if (worker.getState() === "RUNNING") worker.shutdown();
          await done.catch(() => undefined);
          throw error;
        });
  // Pools of configurations that keep idle runners must run before any job asks for one.
  if (temporalClient !== null && cluster !== null) {
    await startStandingRunnerPools(db, temporalClient, config.temporal.taskQueue).catch(
      (error: unknown) => {
        logger.warn({ error }, "could not start the standing runner pools");
      },
    );
    if (deps.runnerSweep !== false) {
      await startRunnerSweep(temporalClient, config.temporal.taskQueue, runnerTimings).catch(
        (error: unknown) => {
          logger.warn({ error }, "could not start the runner sweep");
        },
      );
    }
    if (convergence !== null) {
      await startTenancyConvergence(temporalClient, config.temporal.taskQueue).catch(
        (error: unknown) => {
          logger.warn({ error }, "could not start workspace convergence");
        },
      );
    }
  }
  return {
    identity,
    metricsUrl: metricsServer?.url,
    done,
    async stop() {
      if (worker.getState() === "RUNNING") worker.shutdown();
      try {
        await done;
      } finally {
        await metricsServer?.stop();
      }
    },
  };
}
