import type { V1Pod, V1Secret } from "@kubernetes/client-node";
import { Worker } from "@temporalio/worker";
import { startSimulator, type Simulator } from "@hangar/github-sim";
import {
  testDatabase,
  testEndpoints,
  testKubeConfig,
  testNamespace,
  testTemporal,
  type TestDatabase,
  type TestNamespace,
  type TestTemporal,
} from "@hangar/testkit";
import { createInstallationActivities } from "../src/activities/installation.js";
import { createJobActivities } from "../src/activities/jobs.js";
import { seedTenant, type SeededTenant } from "../src/activities/jobs-fixtures.js";
import { startRunnerPool } from "../src/activities/runner-pool.js";
import { createRunActivities } from "../src/activities/runs.js";
import { createUsageActivities } from "../src/activities/usage.js";
import { createWorkflowFileActivities } from "../src/activities/workflow-files.js";
import type { PoolStatus, RunnerTimings } from "../src/domain/runner-pool.js";
import { workflowIds, workflowTypes } from "../src/domain/workflow-names.js";
import { createGitHubApp } from "../src/github/app-client.js";
import type { GitHubApp } from "../src/github/types.js";
import { hangarLabels } from "../src/kubernetes/labels.js";
import { createCluster } from "../src/kubernetes/cluster.js";
import { startIntake, type RunningIntake } from "../src/main/intake.js";
import { createFirstRunner, createRunnerActivities } from "../src/main/runners.js";
import { createLogger } from "../src/observability/logger.js";
import { createRunnerMetrics } from "../src/observability/metrics-runners.js";
import type { Metrics } from "../src/observability/metrics.js";
import { workflowsPath } from "../src/workflow-bundle.js";
import type { runnerPoolWorkflow } from "../src/workflows/runner-pool.js";
import { poolReconcileSignal, poolStatusQuery } from "../src/workflows/runner-signals.js";
import { startGitHubRecorder, type GitHubRecorder } from "./github-recorder.js";
import { isolatedNamespace, type IsolatedNamespace } from "./isolated-namespace.js";

// Test-only: the runner side end to end on the local services. The simulated GitHub
// sends its webhooks to the intake, which relays them to job workflows; their demand
// reaches the runner pools, whose instances create pods on the local cluster (kwok
// plays the nodes); the simulator's runner side brings a runner online when its pod
// runs with its JIT config, gives it a job as GitHub would, and ends the pod when the
// job is done. Timings are shortened so failures and idle timeouts happen in seconds.
// Hangar reaches the simulator through a recorder that keeps every JIT registration.

export const testRunnerTimings: Partial<RunnerTimings> = {
  reevaluateMs: 1_000,
  idleTimeoutMs: 3_000,
  bootstrapTimeoutMs: 10_000,
  startBackoffMs: 200,
  maxFailedStarts: 5,
  podPollMs: 250,
  githubPollMs: 1_000,
  busyRunnerRetryMs: 1_000,
  busyRunnerRetries: 10,
  busyReportGraceMs: 5_000,
};

export interface RunnerConfigurationInput {
  /** Its runs-on label. */
  name: string;
  minIdle?: number;
  maxRunners?: number;
  arch?: "amd64" | "arm64";
  spot?: boolean;
  /** Labels besides its name. */
  labels?: string[];
  /** Its pods' requests and limits (500m and 512Mi unless given). */
  cpu?: string;
  memory?: string;
}

export interface RunnerHarnessOptions {
  /**
   * Where the worker runs: in this process (the default), or nowhere, for tests that
   * run it in worker processes of their own (see `githubApiUrl`).
   */
  worker?: "in-process" | "none";
  /** Counts into this registry (jobs, runners, intake) and serves it on a free port. */
  metrics?: Metrics;
  /**
   * False: the harness's intake does not relay its outbox, for tests that run an intake
   * of their own on the same database (two relays would share its rows).
   */
  relay?: false;
}

export interface RunnerHarness {
  database: TestDatabase;
  temporal: TestTemporal;
  /** host:port of its Temporal frontend, for worker processes. */
  temporalAddress: string;
  isolated: IsolatedNamespace;
  sim: Simulator;
  /** The GitHub API as Hangar sees it: the simulator behind the recorder. */
  githubApiUrl: string;
  recorder: GitHubRecorder;
  github: GitHubApp;
  tenant: SeededTenant;
  namespace: TestNamespace;
  /** Where /metrics is served, when the harness was given a registry. */
  metricsUrl: string | undefined;
  /** A runner configuration of the tenant, its pods in this test's namespace; its id. */
  addRunner(input: RunnerConfigurationInput): Promise<string>;
  /** Queues one workflow run on GitHub; the jobs' ids. */
  queueJobs(jobs: { name: string; labels: string[]; durationMs?: number }[]): Promise<number[]>;
  /**
   * Starts the configuration's pool (or asks it to look again). `maxHistoryEvents`
   * makes it continue as new that often, so a test sees its state carried over.
   */
  startPool(runnerId: string, options?: { maxHistoryEvents?: number }): Promise<void>;
  poolStatus(runnerId: string): Promise<PoolStatus>;
  instances(runnerId: string): Promise<InstanceRow[]>;
  pods(runnerId: string): Promise<V1Pod[]>;
  secrets(runnerId: string): Promise<V1Secret[]>;
  /** GitHub's runners whose names start with the configuration's name. */
  githubRunners(prefix: string): ReturnType<Simulator["control"]["runners"]>;
  close(): Promise<void>;
}

export type InstanceRow = Awaited<ReturnType<typeof instanceRows>>[number];

function instanceRows(database: TestDatabase, runnerId: string) {
  return database.db
    .selectFrom("runner_instances")
    .selectAll()
    .where("runner_id", "=", runnerId)
    .orderBy("created_at")
    .execute();
}

let offerings = 0;

export async function startRunnerHarness(
  options: RunnerHarnessOptions = {},
): Promise<RunnerHarness> {
  const [database, temporal, namespace, sim] = await Promise.all([
    testDatabase({ max: 10 }),
    testTemporal(),
    testNamespace(),
    startSimulator({ autoTick: true, kubeConfig: testKubeConfig() }),
  ]);
  const isolated = await isolatedNamespace(temporal);
  const installation = await sim.control.createInstallation({
    account: { login: "acme", type: "Organization" },
    repositories: ["web"],
  });
  const [repository] = installation.repositories;
  if (repository === undefined) throw new Error("the simulator created no repository");
  const tenant = await seedTenant(database.db, {
    installationId: installation.installationId,
    repository,
    runnerName: "unused-runner",
  });
  // Room for every test's runners; the quota itself is tested in runner-launch.test.ts.
  await database.db
    .updateTable("workspaces")
    .set({ max_runners: 50, max_cpu_millis: 100_000, max_memory_mib: 1_000_000 })
    .where("id", "=", tenant.workspaceId)
    .execute();
  const recorder = await startGitHubRecorder(sim.url);
  const github = createGitHubApp({
    apiUrl: recorder.url,
    appId: sim.app.id,
    privateKeyPem: sim.app.privateKeyPem,
  });
  const db = database.db;
  const logger = createLogger({ level: "silent" });
  const cluster = createCluster(namespace.kubeConfig);
  const metrics = options.metrics && { metrics: createRunnerMetrics(options.metrics, db) };
  const worker =
    options.worker === "none"
      ? null
      : await Worker.create({
          connection: temporal.workerConnection,
          namespace: isolated.namespace,
          taskQueue: temporal.taskQueue,
          workflowsPath,
          activities: {
            ...createInstallationActivities({ db, github }),
            ...createJobActivities({
              db,
              github,
              settings: { completedGraceMs: 500 },
              ...metrics,
              ...(process.env.HANGAR_FIRST_RUNNER === "1"
                ? {
                    firstRunner: createFirstRunner({
                      db,
                      cluster,
                      temporal: isolated.client,
                      taskQueue: temporal.taskQueue,
                      logger,
                      timings: testRunnerTimings,
                    }),
                  }
                : {}),
            }),
            ...createWorkflowFileActivities({ db, github }),
            ...createUsageActivities({ db }),
            ...createRunActivities({ db }),
            ...createRunnerActivities({
              db,
              github,
              cluster,
              temporal: isolated.client,
              taskQueue: temporal.taskQueue,
              logger,
              timings: testRunnerTimings,
              ...metrics,
            }),
          },
        });
  const running = worker?.run();
  const intake: RunningIntake = await startIntake({
    db,
    pool: database.pool,
    temporalClient: isolated.client,
    taskQueue: temporal.taskQueue,
    logger,
    webhookSecrets: [sim.app.webhookSecret],
    maxBodyBytes: 25 * 1024 * 1024,
    host: "127.0.0.1",
    port: 0,
    pruneIntervalMs: 0,
    ...(options.relay === false ? { relay: false as const } : {}),
    ...(options.metrics
      ? { metrics: { metrics: options.metrics, listen: { host: "127.0.0.1", port: 0 } } }
      : {}),
  });
  await sim.control.setWebhookUrl(`${intake.url}/webhooks/github`);

  const selector = (runnerId: string) => `${hangarLabels.runner}=${runnerId}`;

  return {
    database,
    temporal,
    temporalAddress: testEndpoints().temporalAddress,
    isolated,
    sim,
    githubApiUrl: recorder.url,
    recorder,
    github,
    tenant,
    namespace,
    metricsUrl: intake.metricsUrl,

    async addRunner(input) {
      offerings += 1;
      const offeringId = `test-${input.name}-${offerings}`;
      const cpu = input.cpu ?? "500m";
      const memory = input.memory ?? "512Mi";
      await db
        .insertInto("runner_offerings")
        .values({
          id: offeringId,
          name: offeringId,
          cpu,
          memory,
          arch: input.arch ?? "amd64",
          spot: input.spot ?? false,
          image_repository: "ghcr.io/actions/actions-runner",
          image_tag: "2.330.0",
          price_per_minute: "0.008000",
        })
        .execute();
      const row = await db
        .insertInto("runners")
        .values({
          workspace_id: tenant.workspaceId,
          project_id: tenant.projectId,
          installation_id: tenant.installationId,
          name: input.name,
          offering_id: offeringId,
          labels: input.labels ?? [],
          cpu,
          memory,
          min_idle: input.minIdle ?? 0,
          max_runners: input.maxRunners ?? 10,
          namespace: namespace.name,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return row.id;
    },

    async queueJobs(jobs) {
      const run = await sim.control.queueWorkflowRun({
        repository: tenant.repository.fullName,
        jobs,
      });
      return run.jobIds;
    },

    async startPool(runnerId, options = {}) {
      if (options.maxHistoryEvents === undefined) {
        await startRunnerPool(isolated.client, { runnerId, taskQueue: temporal.taskQueue });
        return;
      }
      await isolated.client.workflow.signalWithStart<typeof runnerPoolWorkflow>(
        workflowTypes.runnerPool,
        {
          workflowId: workflowIds.runnerPool(runnerId),
          taskQueue: temporal.taskQueue,
          args: [{ runnerId, maxHistoryEvents: options.maxHistoryEvents }],
          signal: poolReconcileSignal,
          signalArgs: [],
        },
      );
    },

    poolStatus: (runnerId) =>
      isolated.client.workflow.getHandle(workflowIds.runnerPool(runnerId)).query(poolStatusQuery),

    instances: (runnerId) => instanceRows(database, runnerId),

    async pods(runnerId) {
      const list = await namespace.core.listNamespacedPod({
        namespace: namespace.name,
        labelSelector: selector(runnerId),
      });
      return list.items;
    },

    async secrets(runnerId) {
      const list = await namespace.core.listNamespacedSecret({
        namespace: namespace.name,
        labelSelector: selector(runnerId),
      });
      return list.items;
    },

    async githubRunners(prefix) {
      const all = await sim.control.runners(tenant.repository.ownerLogin);
      return all.filter((runner) => runner.name.startsWith(`${prefix}-`));
    },

    async close() {
      await intake.stop();
      worker?.shutdown();
      await running;
      await isolated.drop();
      await namespace.close();
      await recorder.close();
      await Promise.all([database.close(), temporal.close(), sim.close()]);
    },
  };
}
