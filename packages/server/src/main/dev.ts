import { Client, Connection } from "@temporalio/client";
import type { SelfCheckResult } from "../activities/self-check.js";
import type { Config } from "../config/types.js";
import type { Logger } from "../observability/logger.js";
import { createDatabase } from "../storage/database.js";
import { migrate } from "../storage/migrate.js";
import { selfCheckWorkflow } from "../workflows/self-check.js";
import { installTemporalRuntime } from "./temporal-runtime.js";
import { startWorker } from "./worker.js";

export interface RunningDev {
  selfCheck: SelfCheckResult;
  /** Which roles are running in this process, and which are not built yet. */
  roles: { running: string[]; notBuiltYet: string[] };
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The dev role: every role in one process. Applies migrations, starts the
 * worker, and proves the Temporal → worker → PostgreSQL path with the
 * self-check workflow before reporting ready.
 */
export async function startDev(config: Config, logger: Logger): Promise<RunningDev> {
  installTemporalRuntime(logger);
  const applied = await migrate(config.database.url.reveal(), {
    log: (message) => {
      logger.info({ subsystem: "migrate" }, message);
    },
  });
  logger.info({ applied: applied.applied.length }, "database migrated");

  const database = createDatabase(config.database.url.reveal(), { max: config.database.poolMax });
  const worker = await startWorker({
    config,
    db: database.db,
    logger: logger.child({ subsystem: "worker" }),
  });
  const connection = await Connection.connect({ address: config.temporal.address });
  try {
    const client = new Client({ connection, namespace: config.temporal.namespace });
    const selfCheck = await client.workflow.execute(selfCheckWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `self-check-${worker.identity}-${Date.now()}`,
      workflowExecutionTimeout: "1 minute",
    });
    logger.info({ selfCheck }, "self-check passed");
    return {
      selfCheck,
      roles: {
        running: ["worker"],
        notBuiltYet: ["intake", "api", "dashboard", "github-simulator"],
      },
      done: worker.done,
      async stop() {
        await worker.stop();
        await database.close();
      },
    };
  } catch (error) {
    await worker.stop();
    await database.close();
    throw error;
  } finally {
    await connection.close();
  }
}
