import { hostname } from "node:os";
import { NativeConnection, Worker } from "@temporalio/worker";
import type { Kysely } from "kysely";
import { createInstallationActivities } from "../activities/installation.js";
import { createJobActivities } from "../activities/jobs.js";
import { createLoggingRunnerSide, createRunnerSideActivities } from "../activities/runner-side.js";
import { createRunActivities } from "../activities/runs.js";
import { createSelfCheckActivities } from "../activities/self-check.js";
import { createUsageActivities } from "../activities/usage.js";
import { createGitHubApp } from "../github/app-client.js";
import type { Config } from "../config/types.js";
import type { Logger } from "../observability/logger.js";
import type { Database } from "../storage/schema.js";
import { workflowsPath } from "../workflow-bundle.js";

export interface RunningWorker {
  identity: string;
  /** Resolves when the worker stops; rejects if it crashes. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export async function connectTemporalWorker(config: Config): Promise<NativeConnection> {
  const apiKey = config.temporal.apiKey?.reveal();
  return NativeConnection.connect({
    address: config.temporal.address,
    tls: config.temporal.tls,
    ...(apiKey ? { apiKey } : {}),
  });
}

/**
 * The worker role: registers every workflow and the activities built from
 * their dependencies, then polls the task queue until stopped.
 */
export async function startWorker(deps: {
  config: Config;
  db: Kysely<Database>;
  logger: Logger;
}): Promise<RunningWorker> {
  const { config, db, logger } = deps;
  const identity = `${hostname()}-${process.pid}`;
  const connection = await connectTemporalWorker(config);
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    identity,
    workflowsPath,
    activities: {
      ...createSelfCheckActivities({ db, workerIdentity: identity }),
      // In simulator mode the worker has no GitHub client yet: activities that need one
      // fail, and the workflows treat that as a failed sync or stale check.
      ...((github) => ({
        ...createInstallationActivities({ db, github }),
        ...createJobActivities({ db, github }),
      }))(
        config.github.mode === "app"
          ? createGitHubApp({
              apiUrl: config.github.apiUrl,
              appId: config.github.appId,
              privateKeyPem: config.github.privateKey.reveal(),
              logger: logger.child({ subsystem: "github" }),
            })
          : null,
      ),
      ...createUsageActivities({ db }),
      ...createRunActivities({ db }),
      ...createRunnerSideActivities({ runnerSide: createLoggingRunnerSide(logger) }),
    },
  });
  const done = worker.run().finally(() => connection.close());
  logger.info({ taskQueue: config.temporal.taskQueue, identity }, "worker polling");
  return {
    identity,
    done,
    async stop() {
      if (worker.getState() === "RUNNING") worker.shutdown();
      await done;
    },
  };
}
