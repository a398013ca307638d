import type { Config, Role } from "../config/types.js";
import type { Logger } from "../observability/logger.js";
import { createMetrics } from "../observability/metrics.js";
import { serveMetrics } from "../observability/metrics-server.js";
import { startTracing } from "../observability/tracing.js";
import { createDatabase } from "../storage/database.js";
import { redeliveryWorkflow } from "../workflows/redelivery.js";
import { apiSettings, startApi } from "./api.js";
import { connectGitHub } from "./github.js";
import { startIntake } from "./intake.js";
import { installTemporalRuntime } from "./temporal-runtime.js";
import { connectTemporalClient, startWorker } from "./worker.js";

export type SingleRole = Exclude<Role, "dev">;

export interface RunningRole {
  role: SingleRole;
  /** Where this process listens: the role's own port and its /metrics. */
  urls: { intake?: string; api?: string; metrics?: string };
  /** Resolves when the role stops on its own (the worker); rejects if it crashes. */
  done: Promise<void>;
  /** Stops the role, then closes what it was given, last opened first closed. */
  stop(): Promise<void>;
}

export class RoleError extends Error {
  override name = "RoleError";
}

/**
 * One role of a deployment (intake, api or worker) in this process, wired from the
 * configuration. Unlike dev, it applies no migrations: a deployment runs
 * `hangar migrate` once per release, before the roles start, so replicas never race
 * to change the schema.
 */
export async function runRole(config: Config, logger: Logger): Promise<RunningRole> {
  const role = config.role;
  if (role === "dev") throw new RoleError("the dev role runs with `hangar start`");
  const stack: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stack.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    // The worker's native connection needs the SDK's runtime; installing it routes its logs.
    if (role === "worker") installTemporalRuntime(logger);
    const tracing = startTracing({
      serviceName: `hangar-${role}`,
      otlpEndpoint: config.tracing.enabled ? config.tracing.otlpEndpoint : undefined,
    });
    stack.push(() => tracing.shutdown());
    const database = createDatabase(config.database.url.reveal(), {
      max: config.database.poolMax,
    });
    stack.push(database.close);
    const temporal = await connectTemporalClient(config, tracing);
    stack.push(() => temporal.connection.close());
    const metrics = {
      metrics: createMetrics(config.metrics),
      listen: { host: config.http.host, port: config.http.metricsPort },
    };
    const log = logger.child({ subsystem: role });

    switch (role) {
      case "intake": {
        const github = await connectGitHub(config, logger);
        stack.push(() => github.close());
        const intake = await startIntake({
          db: database.db,
          pool: database.pool,
          temporalClient: temporal.client,
          taskQueue: config.temporal.taskQueue,
          logger,
          webhookSecrets: github.webhookSecrets,
          maxBodyBytes: config.http.webhookMaxBytes,
          host: config.http.host,
          port: config.http.intakePort,
          relay: { maxAttempts: config.outbox.maxAttempts },
          metrics,
        });
        stack.push(() => intake.stop());
        return running(role, { intake: intake.url, metrics: intake.metricsUrl }, stopAll);
      }
      case "api": {
        // The API counts nothing of its own yet; /metrics still shows the process's health.
        const metricsServer = await serveMetrics(metrics.metrics, metrics.listen, log);
        stack.push(() => metricsServer.stop());
        const api = await startApi({
          db: database.db,
          temporalClient: temporal.client,
          taskQueue: config.temporal.taskQueue,
          logger,
          ...apiSettings(config),
        });
        stack.push(() => api.stop());
        return running(role, { api: api.url, metrics: metricsServer.url }, stopAll);
      }
      case "worker": {
        const github = await connectGitHub(config, logger);
        stack.push(() => github.close());
        const worker = await startWorker({
          config,
          db: database.db,
          pool: database.pool,
          logger: log,
          github: github.app,
          temporalClient: temporal.client,
          metrics,
          tracing,
        });
        stack.push(() => worker.stop());
        // One reconciler per namespace, whichever worker starts it first.
        await temporal.client.workflow.start(redeliveryWorkflow, {
          taskQueue: config.temporal.taskQueue,
          workflowId: "redelivery-reconciler",
          args: [{ intervalMinutes: 5 }],
          workflowIdConflictPolicy: "USE_EXISTING",
        });
        return {
          role,
          urls: worker.metricsUrl === undefined ? {} : { metrics: worker.metricsUrl },
          done: worker.done,
          stop: stopAll,
        };
      }
      default: {
        const unknown: never = role;
        throw new RoleError(`unknown role ${String(unknown)}`);
      }
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A role that runs until stopped: `done` settles only when `stop` is called. */
function running(
  role: SingleRole,
  urls: { intake?: string | undefined; api?: string | undefined; metrics?: string | undefined },
  stopAll: () => Promise<void>,
): RunningRole {
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => {
    stopped = resolve;
  });
  const defined: RunningRole["urls"] = {};
  for (const key of ["intake", "api", "metrics"] as const) {
    const url = urls[key];
    if (url !== undefined) defined[key] = url;
  }
  return {
    role,
    urls: defined,
    done,
    async stop() {
      await stopAll();
      stopped();
    },
  };
}
