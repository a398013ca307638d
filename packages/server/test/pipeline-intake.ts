import type { Simulator } from "@hangar/github-sim";
import type { TestDatabase } from "@hangar/testkit";
import type { Client } from "@temporalio/client";
import { startIntake, type RunningIntake } from "../src/main/intake.js";
import { createLogger } from "../src/observability/logger.js";

// Test-only: the intake role as the pipeline tests run it, in the test's own process on
// a free port, relaying to `client`'s namespace, with the simulator's webhooks pointed at
// it. Retention pruning is off: the tests read the deliveries afterwards.

export async function startPipelineIntake(input: {
  database: TestDatabase;
  client: Client;
  taskQueue: string;
  sim: Simulator;
}): Promise<RunningIntake> {
  const intake = await startIntake({
    db: input.database.db,
    pool: input.database.pool,
    temporalClient: input.client,
    taskQueue: input.taskQueue,
    logger: createLogger({ level: "silent" }),
    webhookSecrets: [input.sim.app.webhookSecret],
    maxBodyBytes: 25 * 1024 * 1024,
    host: "127.0.0.1",
    port: 0,
    pruneIntervalMs: 0,
  });
  await input.sim.control.setWebhookUrl(`${intake.url}/webhooks/github`);
  return intake;
}
