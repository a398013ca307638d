import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { Client, Connection, WorkflowNotFoundError } from "@temporalio/client";
// Temporal's own Duration-to-protobuf helper (a dependency of @temporalio/client).
import { msToTs } from "@temporalio/common/lib/time.js";
import type { Kysely } from "kysely";
import pg from "pg";
import type { LocalEndpoints } from "@hangar/devenv";
import { startSimulator, type Simulator } from "@hangar/github-sim";
import { seedTenant, type SeededTenant } from "@hangar/server/activities/jobs-fixtures.js";
import { createGitHubApp } from "@hangar/server/github/app-client.js";
import { pointsFor } from "@hangar/server/github/rate-limit/endpoint-budget.js";
import { createCluster } from "@hangar/server/kubernetes/cluster.js";
import { startIntake } from "@hangar/server/main/intake.js";
import { installTemporalRuntime } from "@hangar/server/main/temporal-runtime.js";
import { startWorker } from "@hangar/server/main/worker.js";
import type { Logger } from "@hangar/server/observability/logger.js";
import { createDatabase } from "@hangar/server/storage/database.js";
import { migrate } from "@hangar/server/storage/migrate.js";
import type { Database } from "@hangar/server/storage/schema.js";
import { startAcceptRecorder, type AcceptRecorder } from "./scale-accepts.js";
import { recordPods, type PodRecorder } from "./scale-pods.js";
import { waitFor } from "./scale-wait.js";

// The whole runner chain of bench/scale.ts on the local services, each part built the
// way its role builds it: the GitHub simulator (REST, signed webhooks, and its runner
// side playing the runners of pods on the local cluster) → the intake (verify, store,
// relay) → Temporal → the worker (main/worker.ts, every workflow and activity) → runner
// pools → pods on kwok's nodes. Everything the benchmark creates is its own and is
// removed by close(): a database, a Temporal namespace (the simulator's ids repeat from
// run to run, and Hangar's workflow ids are built from them), a Kubernetes namespace.

export interface RunnerConfiguration {
  /** Its runs-on label. */
  name: string;
  maxRunners: number;
}

export interface ScaleChainOptions {
  endpoints: LocalEndpoints;
  /** JIT registrations a minute that the GitHub client budgets, and the simulator allows. */
  jitPerMinute: number;
  runners: RunnerConfiguration[];
  logger: Logger;
}

export interface ScaleChain {
  sim: Simulator;
  db: Kysely<Database>;
  /** A client of the chain's Temporal namespace. */
  temporal: Client;
  temporalNamespace: string;
  taskQueue: string;
  tenant: SeededTenant;
  /** The Kubernetes namespace every pod of the run is created in. */
  namespace: string;
  core: CoreV1Api;
  pods: PodRecorder;
  accepts: AcceptRecorder;
  /** Runner configuration ids by name. */
  runnerIds: Map<string, string>;
  /** Queues one workflow run of `count` jobs for the configuration; the jobs' ids. */
  queueJobs(runnerName: string, count: number, durationMs: number): Promise<number[]>;
  /** Stops everything and removes what the run created; safe to call twice. */
  close(): Promise<void>;
}

const RUNNER_CPU = "500m";
const RUNNER_MEMORY = "512Mi";
const JIT_ENDPOINT_METHOD = "POST";

/** Long enough for a namespace of a thousand pods to be deleted. */
const CLEANUP_STEP_MS = 240_000;

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`did not finish within ${ms} ms`));
    }, ms);
  });
  return Promise.race([work, deadline]).finally(() => {
    clearTimeout(timer);
  });
}

function suffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

async function createOwnDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return url.toString();
}

async function dropOwnDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

async function registerNamespace(connection: Connection, namespace: string): Promise<Client> {
  await connection.workflowService.registerNamespace({
    namespace,
    // Required by the server; the namespace is deleted long before it matters.
    workflowExecutionRetentionPeriod: msToTs("1 day"),
  });
  const client = new Client({ connection, namespace });
  // The frontend learns of a new namespace on its next cache refresh (seconds).
  await waitFor(
    `Temporal namespace ${namespace}`,
    async () => {
      try {
        await client.workflow.getHandle("namespace-probe").describe();
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) return undefined;
      }
      return true;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
  return client;
}

async function createKubeNamespace(core: CoreV1Api, name: string): Promise<void> {
  await core.createNamespace({
    body: { metadata: { name, labels: { "hangar.dev/bench": "scale" } } },
  });
  // Pods are refused until the namespace's default ServiceAccount exists.
  await waitFor(
    `namespace ${name} to be ready`,
    () =>
      core
        .readNamespacedServiceAccount({ name: "default", namespace: name })
        .then(() => true)
        .catch(() => undefined),
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

async function deleteKubeNamespace(core: CoreV1Api, name: string): Promise<void> {
  await core.deleteNamespace({ name }).catch(() => undefined);
  // Gone means its pods and Secrets are gone too; the run is not over before that.
  await waitFor(
    `namespace ${name} to be deleted`,
    () =>
      core
        .readNamespace({ name })
        .then(() => undefined)
        .catch(() => true),
    { timeoutMs: 180_000, intervalMs: 500 },
  );
}

async function addRunnerConfigurations(
  db: Kysely<Database>,
  tenant: SeededTenant,
  namespace: string,
  runners: RunnerConfiguration[],
): Promise<Map<string, string>> {
  // Room for every runner of the burst: the plan's quota is not what is measured.
  await db
    .updateTable("workspaces")
    .set({ max_runners: 100_000, max_cpu_millis: 100_000_000, max_memory_mib: 100_000_000 })
    .where("id", "=", tenant.workspaceId)
    .execute();
  const ids = new Map<string, string>();
  for (const runner of runners) {
    const offeringId = `bench-${runner.name}-${suffix()}`;
    await db
      .insertInto("runner_offerings")
      .values({
        id: offeringId,
        name: offeringId,
        cpu: RUNNER_CPU,
        memory: RUNNER_MEMORY,
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
        name: runner.name,
        offering_id: offeringId,
        cpu: RUNNER_CPU,
        memory: RUNNER_MEMORY,
        min_idle: 0,
        max_runners: runner.maxRunners,
        namespace,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    ids.set(runner.name, row.id);
  }
  return ids;
}

export async function startScaleChain(options: ScaleChainOptions): Promise<ScaleChain> {
  const { endpoints, logger } = options;
  const id = suffix();
  const names = { database: `bench_scale_${id}`, namespace: `bench-scale-${id}` };
  const taskQueue = `bench-scale-${id}`;
  const stack: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const stop of stack.splice(0).reverse()) {
      // A step that cannot finish (a service gone mid-run) must not hold up the others.
      await withDeadline(stop(), CLEANUP_STEP_MS).catch((error: unknown) => {
        logger.warn({ error }, "cleanup step failed");
      });
    }
  };

  try {
    installTemporalRuntime(logger);
    const databaseUrl = await createOwnDatabase(endpoints.databaseUrl, names.database);
    stack.push(() => dropOwnDatabase(endpoints.databaseUrl, names.database));
    // One pool per role, as the intake and the worker each have their own in production.
    const workerDatabase = createDatabase(databaseUrl, { max: 10 });
    stack.push(workerDatabase.close);
    const intakeDatabase = createDatabase(databaseUrl, { max: 10 });
    stack.push(intakeDatabase.close);

    const connection = await Connection.connect({ address: endpoints.temporalAddress });
    stack.push(() => connection.close());
    const temporal = await registerNamespace(connection, names.namespace);
    stack.push(async () => {
      await connection.operatorService.deleteNamespace({ namespace: names.namespace });
    });

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(endpoints.kubeconfig);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    await createKubeNamespace(core, names.namespace);
    stack.push(() => deleteKubeNamespace(core, names.namespace));
    const pods = await recordPods(kubeConfig, names.namespace);
    stack.push(() => pods.stop());

    const points = options.jitPerMinute * pointsFor(JIT_ENDPOINT_METHOD);
    const sim = await startSimulator({
      autoTick: true,
      kubeConfig,
      // GitHub's secondary limit is the budget under test; its hourly limit is set out
      // of reach (the report shows what an installation used of GitHub's 5,000 an hour).
      limits: { secondaryPointsPerMinute: points, primaryPerHour: 1_000_000, maxConcurrent: 100 },
    });
    stack.push(() => sim.close());
    const installation = await sim.control.createInstallation({
      account: { login: "acme", type: "Organization" },
      repositories: ["web"],
    });
    const [repository] = installation.repositories;
    if (repository === undefined) throw new Error("the simulator created no repository");
    const tenant = await seedTenant(workerDatabase.db, {
      installationId: installation.installationId,
      repository,
      runnerName: "bench-unused",
    });
    const runnerIds = await addRunnerConfigurations(
      workerDatabase.db,
      tenant,
      names.namespace,
      options.runners,
    );

    const github = createGitHubApp({
      apiUrl: sim.url,
      appId: sim.app.id,
      privateKeyPem: sim.app.privateKeyPem,
      limits: { pointsPerMinute: points },
    });
    const worker = await startWorker({
      config: {
        temporal: {
          address: endpoints.temporalAddress,
          namespace: names.namespace,
          taskQueue,
          tls: false,
          apiKey: undefined,
        },
      },
      db: workerDatabase.db,
      logger: logger.child({ role: "worker" }),
      github,
      temporalClient: temporal,
      cluster: createCluster(kubeConfig),
      // The sweep looks for leftovers every few minutes; the run removes its own.
      runnerSweep: false,
    });
    stack.push(() => worker.stop());
    const intake = await startIntake({
      db: intakeDatabase.db,
      pool: intakeDatabase.pool,
      temporalClient: temporal,
      taskQueue,
      logger: logger.child({ role: "intake" }),
      webhookSecrets: [sim.app.webhookSecret],
      maxBodyBytes: 25 * 1024 * 1024,
      host: "127.0.0.1",
      port: 0,
      pruneIntervalMs: 0,
    });
    stack.push(() => intake.stop());
    const accepts = await startAcceptRecorder(`${intake.url}/webhooks/github`);
    stack.push(() => accepts.close());
    await sim.control.setWebhookUrl(accepts.url);

    return {
      sim,
      db: workerDatabase.db,
      temporal,
      temporalNamespace: names.namespace,
      taskQueue,
      tenant,
      namespace: names.namespace,
      core,
      pods,
      accepts,
      runnerIds,
      async queueJobs(runnerName, count, durationMs) {
        const run = await sim.control.queueWorkflowRun({
          repository: tenant.repository.fullName,
          jobs: Array.from({ length: count }, (_, i) => ({
            name: `job-${i + 1}`,
            labels: ["self-hosted", runnerName],
            durationMs,
          })),
        });
        return run.jobIds;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
