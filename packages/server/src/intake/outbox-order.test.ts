import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  testDatabase,
  testTemporal,
  type TestDatabase,
  type TestTemporal,
} from "@hangar/testkit";
import { createLogger } from "../observability/logger.js";
import { recordDelivery } from "./deliveries.js";
import { listenForOutbox } from "./outbox-listener.js";
import { createOutboxRelay } from "./outbox-relay.js";
import {
  outboxRows,
  receivedSignals,
  startRecorderWorker,
  terminateAll,
  type RecorderWorker,
} from "./testing/relay-harness.js";

// Many intake transactions for the same few workflows at once, on real PostgreSQL, with
// a relay sending to real Temporal while they commit. The test decides the commit order
// itself: it commits one transaction at a time, always the one that most recently
// finished its statement, which is the opposite of id order whenever several of one
// workflow's transactions hold their outbox ids at once. Each workflow's signals must
// reach Temporal in the order the transactions committed.

const WORKFLOWS = 3;
const TRANSACTIONS = 60;
const logger = createLogger({ level: "silent" });
const base = Math.floor(Math.random() * 2 ** 40) * 1_000;

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("outbox order across concurrent intake transactions", () => {
  let database: TestDatabase;
  let temporal: TestTemporal;
  let worker: RecorderWorker;

  beforeAll(async () => {
    // One connection per open transaction, and a few for the relay.
    [database, temporal] = await Promise.all([
      testDatabase({ max: TRANSACTIONS + 5 }),
      testTemporal(),
    ]);
    worker = await startRecorderWorker({
      connection: temporal.workerConnection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
    });
  });
  afterAll(async () => {
    const rows = await outboxRows(database.db);
    await terminateAll(temporal.client, [...new Set(rows.map((r) => r.workflow_id))]);
    await worker.stop();
    await Promise.all([database.close(), temporal.close()]);
  });

  it("sends each workflow's signals in the order their deliveries committed", async () => {
    const workflowOf = (n: number): string => `job-${base + (n % WORKFLOWS)}`;
    const relay = createOutboxRelay({
      db: database.db,
      temporal: { client: temporal.client, taskQueue: temporal.taskQueue },
      logger,
      pollIntervalMs: 50,
      wakeUps: listenForOutbox(database.pool, logger),
    });
    await relay.start();
    try {
      // Every transaction is open before any writes, so they all contend.
      const opened = Array.from({ length: TRANSACTIONS }, deferred);
      const allOpen = Promise.all(opened.map((d) => d.promise));
      const gates = Array.from({ length: TRANSACTIONS }, deferred);
      // Transactions whose statement returned, in the order they returned.
      const ready: number[] = [];
      let readyChanged = deferred();
      const transactions = Array.from({ length: TRANSACTIONS }, (_, n) =>
        database.db.transaction().execute(async (trx) => {
          opened[n]!.resolve();
          await allOpen;
          const outcome = await recordDelivery({ db: trx }, delivery(n), [
            {
              workflowId: workflowOf(n),
              workflowType: "jobWorkflow",
              signalName: "jobEvent",
              args: { n },
            },
          ]);
          ready.push(n);
          readyChanged.resolve();
          await gates[n]!.promise;
          return outcome;
        }),
      );

      const committed: number[] = [];
      while (committed.length < TRANSACTIONS) {
        const n = ready.pop();
        if (n === undefined) {
          await readyChanged.promise;
          readyChanged = deferred();
          continue;
        }
        gates[n]!.resolve();
        await transactions[n];
        committed.push(n);
      }
      for (const outcome of await Promise.all(transactions)) {
        expect(outcome).toEqual({ kind: "recorded", signals: 1 });
      }

      const rows = await eventually("outbox drained", async () => {
        const all = await outboxRows(database.db);
        return all.length === TRANSACTIONS && all.every((r) => r.sent_at !== null)
          ? all
          : undefined;
      });
      for (let w = 0; w < WORKFLOWS; w += 1) {
        const workflowId = `job-${base + w}`;
        const inCommitOrder = committed.filter((n) => workflowOf(n) === workflowId);
        // The mechanism: ids are drawn in commit order within a workflow.
        const inIdOrder = rows
          .filter((r) => r.workflow_id === workflowId)
          .map((r) => (r.payload as { n: number }).n);
        expect(inIdOrder).toEqual(inCommitOrder);
        // The outcome: Temporal received them in that order, each once.
        const received = await eventually(`${workflowId} signals`, async () => {
          const signals = await receivedSignals(temporal.client, workflowId);
          return signals.length >= inCommitOrder.length ? signals : undefined;
        });
        expect(received.map((s) => (s.args[0] as { n: number }).n)).toEqual(inCommitOrder);
      }
      expect(relay.stats().sent).toBe(TRANSACTIONS);
    } finally {
      await relay.stop();
    }
  });
});

function delivery(n: number) {
  return {
    deliveryGuid: `order-${base}-${n}`,
    event: "workflow_job",
    action: "queued",
    installationId: 101,
    hookId: null,
    targetType: null,
    targetId: null,
    payloadBytes: 2,
    payloadJson: null,
    status: "routed" as const,
    statusReason: null,
  };
}
