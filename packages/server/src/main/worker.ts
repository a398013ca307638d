import { hostname } from "node:os";
import { NativeConnection, Worker } from "@temporalio/worker";
import type { Kysely } from "kysely";
import { createInstallationActivities } from "../activities/installation.js";
import { createJobActivities } from "../activities/jobs.js";
import { createRedeliveryActivities } from "../activities/redelivery.js";
import { createLoggingRunnerSide, createRunnerSideActivities } from "../activities/runner-side.js";
import { createRunActivities } from "../activities/runs.js";
import { createSelfCheckActivities } from "../activities/self-check.js";
import { createUsageActivities } from "../activities/usage.js";
import { createWorkflowFileActivities } from "../activities/workflow-files.js";
import type { GitHubApp } from "../github/types.js";
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
  /** The GitHub App (or the simulator's); null leaves GitHub-backed activities failing. */
  github: GitHubApp | null;
}): Promise<RunningWorker> {
  const { config, db, logger, github } = deps;
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
      ...createInstallationActivities({ db, github }),
      ...createJobActivities({ db, github }),
      ...createWorkflowFileActivities({ db, github }),
      ...createUsageActivities({ db }),
      ...createRunActivities({ db }),
      ...createRedeliveryActivities({ db, github }),
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
