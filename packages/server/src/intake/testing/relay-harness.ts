import { fileURLToPath } from "node:url";
import { Client, Connection } from "@temporalio/client";
import { Worker } from "@temporalio/worker";
import type { Kysely } from "kysely";
import type { Database } from "../../storage/schema.js";
import type { ReceivedSignal } from "./recorder-workflows.js";

// Shared by the relay tests: a worker running the recorder workflows, and queries over
// what they and the outbox hold.

export const recorderWorkflowsPath = fileURLToPath(
  new URL("./recorder-workflows.ts", import.meta.url),
);

export interface RecorderWorker {
  stop(): Promise<void>;
}

export async function startRecorderWorker(options: {
  connection: Parameters<typeof Worker.create>[0]["connection"];
  namespace: string;
  taskQueue: string;
}): Promise<RecorderWorker> {
  const worker = await Worker.create({
    ...options,
    workflowsPath: recorderWorkflowsPath,
    activities: {},
  });
  const running = worker.run();
  return {
    async stop() {
      if (worker.getState() === "RUNNING") worker.shutdown();
      await running;
    },
  };
}

export async function receivedSignals(
  client: Client,
  workflowId: string,
): Promise<ReceivedSignal[]> {
  return client.workflow.getHandle(workflowId).query<ReceivedSignal[]>("signals");
}

/** A client whose every call fails: its server address is a port nothing listens on. */
export function unreachableTemporalClient(namespace: string): Client {
  const connection = Connection.lazy({ address: "127.0.0.1:1" });
  return new Client({ connection, namespace });
}

export interface OutboxRow {
  id: bigint;
  workflow_id: string;
  sent_at: Date | null;
  attempts: number;
  permanent_failures: number;
  dead_lettered_at: Date | null;
  last_error: string | null;
  payload: unknown;
}

export async function outboxRows(db: Kysely<Database>): Promise<OutboxRow[]> {
  return db
    .selectFrom("signal_outbox")
    .select([
      "id",
      "workflow_id",
      "sent_at",
      "attempts",
      "permanent_failures",
      "dead_lettered_at",
      "last_error",
      "payload",
    ])
    .orderBy("id")
    .execute();
}

/** The `action` of each received jobEvent, in arrival order. */
export function actionsOf(signals: readonly ReceivedSignal[]): unknown[] {
  return signals.map((s) => {
    const arg = s.args[0];
    return typeof arg === "object" && arg !== null && "action" in arg ? arg.action : undefined;
  });
}

/** Ends the recorder workflows a test started; a finished one is fine. */
export async function terminateAll(client: Client, workflowIds: readonly string[]): Promise<void> {
  await Promise.all(
    workflowIds.map((id) =>
      client.workflow
        .getHandle(id)
        .terminate("test finished")
        .catch(() => undefined),
    ),
  );
}
