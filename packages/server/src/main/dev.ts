import type { RunningWorkload } from "@hangar/github-sim";
import { Client, Connection } from "@temporalio/client";
import type { SelfCheckResult } from "../activities/self-check.js";
import type { Config } from "../config/types.js";
import { loadKubeConfig } from "../kubernetes/cluster.js";
import type { Logger } from "../observability/logger.js";
import { createMetrics } from "../observability/metrics.js";
import { startTracing } from "../observability/tracing.js";
import { createDatabase } from "../storage/database.js";
import { migrate } from "../storage/migrate.js";
import { redeliveryWorkflow } from "../workflows/redelivery.js";
import { selfCheckWorkflow } from "../workflows/self-check.js";
import { demoRepository, runDemo, type DemoReport } from "./demo.js";
import { startDemoWorkload } from "./demo-workload.js";
import { connectGitHub } from "./github.js";
import { apiSettings, startApi } from "./api.js";
import { renewDemoToken } from "./demo-token.js";
import { startIntake } from "./intake.js";
import { installTemporalRuntime } from "./temporal-runtime.js";
import { startWorker } from "./worker.js";

export interface RunningDev {
  selfCheck: SelfCheckResult;
  intakeUrl: string;
  /** Base URL of the Connect API. */
  apiUrl: string;
  /**
   * An owner token of the demo workspace, made by this start (the previous one is
   * revoked): the only time it can be shown, since only its hash is stored.
   */
  demoApi: { token: string; workspaceId: string } | undefined;
  /** Prometheus /metrics of this process (every role's metrics, one registry). */
  metricsUrl: string | undefined;
  /** Base URL of the built-in GitHub simulator, when it stands in for GitHub. */
  simulatorUrl: string | undefined;
  /** What the demo traffic did (simulator only). */
  demo: DemoReport | undefined;
  /** The steady stream of demo runs after it, when on (HANGAR_DEMO_WORKLOAD). */
  demoWorkload: RunningWorkload | undefined;
  /** Which roles are running in this process, and which are not built yet. */
  roles: { running: string[]; notBuiltYet: string[] };
  done: Promise<void>;
  stop(): Promise<void>;
}

export interface DevOptions {
  /**
   * The database is the embedded PostgreSQL (PGlite, served by `@hangar/devenv`): one
   * session behind every connection, which refuses LISTEN because a notification could
   * not reach the listener. The intake then gets no pool to LISTEN through, and its
   * relay polls for new outbox rows often instead of waiting for NOTIFY.
   */
  embeddedDatabase?: boolean;
  /**
   * Why Kubernetes cannot be reached, when it cannot: the worker then starts no runners
   * (job demand is only logged) and the demo skips its runner part.
   */
  kubernetesUnavailable?: string;
}

/**
 * The dev role: every role in one process. Applies migrations, connects
 * GitHub (the configured App, or the built-in simulator), starts the worker
 * and the intake, proves Temporal → worker → PostgreSQL with the self-check
 * workflow, and with the simulator drives a little demo traffic through the
 * whole pipeline.
 */
export async function startDev(
  config: Config,
  logger: Logger,
  options: DevOptions = {},
): Promise<RunningDev> {
  const startedAt = new Date();
  installTemporalRuntime(logger);
  const applied = await migrate(config.database.url.reveal(), {
    log: (message) => {
      logger.info({ subsystem: "migrate" }, message);
    },
  });
  logger.info({ applied: applied.applied.length }, "database migrated");

  const stack: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stack.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const tracing = startTracing({
      serviceName: `hangar-${config.role}`,
      otlpEndpoint: config.tracing.enabled ? config.tracing.otlpEndpoint : undefined,
    });
    // First in, so last out: what the other roles recorded while stopping is flushed too.
    stack.push(() => tracing.shutdown());
    const database = createDatabase(config.database.url.reveal(), {
      max: config.database.poolMax,
    });
    stack.push(database.close);
    const kubernetes = options.kubernetesUnavailable === undefined ? config.kubernetes : undefined;
    // The simulator's runner side plays the runners of the pods Hangar starts.
    const github = await connectGitHub(config, logger, {
      ...(kubernetes ? { kubeConfig: loadKubeConfig(kubernetes.connection) } : {}),
    });
    stack.push(() => github.close());
    const connection = await Connection.connect({ address: config.temporal.address });
    stack.push(() => connection.close());
    const client = new Client({
      connection,
      namespace: config.temporal.namespace,
      interceptors: tracing.clientInterceptors(),
    });
    // One registry for the process: the roles below count into it and share its listener.
    const metrics = {
      metrics: createMetrics(config.metrics),
      listen: { host: config.http.host, port: config.http.metricsPort },
    };
    const worker = await startWorker({
      config: kubernetes ? config : { ...config, kubernetes: undefined },
      db: database.db,
      // Named prepared statements are per connection; PGlite's one shared session is
      // better left to plain queries.
      ...(options.embeddedDatabase ? {} : { pool: database.pool }),
      logger: logger.child({ subsystem: "worker" }),
      github: github.app,
      temporalClient: client,
      metrics,
      tracing,
    });
    stack.push(() => worker.stop());
    const intake = await startIntake({
      db: database.db,
      ...(options.embeddedDatabase ? {} : { pool: database.pool }),
      temporalClient: client,
      taskQueue: config.temporal.taskQueue,
      logger: logger.child({ subsystem: "intake" }),
      webhookSecrets: github.webhookSecrets,
      maxBodyBytes: config.http.webhookMaxBytes,
      host: config.http.host,
      port: config.http.intakePort,
      relay: {
        maxAttempts: config.outbox.maxAttempts,
        ...(options.embeddedDatabase ? { pollIntervalMs: 250 } : {}),
      },
      metrics,
    });
    stack.push(() => intake.stop());
    const api = await startApi({
      db: database.db,
      temporalClient: client,
      taskQueue: config.temporal.taskQueue,
      logger,
      ...apiSettings(config),
    });
    stack.push(() => api.stop());

    // One reconciler per namespace: GitHub never retries a failed delivery by itself.
    await client.workflow.start(redeliveryWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: "redelivery-reconciler",
      args: [{ intervalMinutes: 5 }],
      workflowIdConflictPolicy: "USE_EXISTING",
    });

    const selfCheck = await client.workflow.execute(selfCheckWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `self-check-${worker.identity}-${Date.now()}`,
      workflowExecutionTimeout: "1 minute",
    });
    logger.info({ selfCheck }, "self-check passed");

    let demo: DemoReport | undefined;
    let demoWorkload: RunningWorkload | undefined;
    if (github.simulator) {
      demo = await runDemo(github.simulator, database.db, {
        webhookUrl: `${intake.url}/webhooks/github`,
        namespacePrefix: config.kubernetes.namespacePrefix,
        runners:
          options.kubernetesUnavailable === undefined
            ? { temporal: client, taskQueue: config.temporal.taskQueue }
            : { unavailable: options.kubernetesUnavailable },
        since: startedAt,
      });
      logger.info({ demo }, "demo traffic processed");
      // Without runners its jobs would only queue: the one demo run shows that already.
      if (options.kubernetesUnavailable === undefined) {
        demoWorkload = startDemoWorkload(
          github.simulator.control,
          config.demo.workload,
          { repository: demoRepository, runner: demo.runner },
          logger,
        );
        const running = demoWorkload;
        // Pushed after the simulator, so it stops before the simulator goes away.
        if (running) stack.push(() => running.stop());
      }
    }
    const demoToken = github.simulator ? await renewDemoToken(database.db) : undefined;
    return {
      selfCheck,
      intakeUrl: intake.url,
      apiUrl: api.url,
      demoApi: demoToken,
      metricsUrl: intake.metricsUrl ?? worker.metricsUrl,
      simulatorUrl: github.simulator?.url,
      demo,
      demoWorkload,
      roles: {
        running: [
          "intake",
          "api",
          "worker",
          "redelivery reconciler",
          ...(github.simulator ? ["github-simulator"] : []),
        ],
        notBuiltYet: [],
      },
      done: worker.done,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
