import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@temporalio/client";
import {
  eventually,
  testDatabase,
  testTemporal,
  uniqueSuffix,
  type TestDatabase,
  type TestTemporal,
} from "@hangar/testkit";
import { createLogger } from "../observability/logger.js";
import { listDeadLetters, requeueDeadLetters } from "./dead-letters.js";
import { recordDelivery, type DeliveryRecord } from "./deliveries.js";
import { createOutboxRelay, type OutboxRelay } from "./outbox-relay.js";
import {
  outboxRows,
  receivedSignals,
  startRecorderWorker,
  terminateAll,
  type RecorderWorker,
} from "./testing/relay-harness.js";

// Signals Temporal refuses for good, against a real Temporal server: they are set aside
// after a few attempts so that their workflow's later signals proceed, their delivery
// says so, and an operator can put them back once the cause is fixed.

const logger = createLogger({ level: "silent" });
const base = Math.floor(Math.random() * 2 ** 40) * 1_000;

describe("dead letters", () => {
  let database: TestDatabase;
  let temporal: TestTemporal;
  let worker: RecorderWorker;

  beforeAll(async () => {
    [database, temporal] = await Promise.all([testDatabase(), testTemporal()]);
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

  const relayWith = (client: Client, maxAttempts: number): OutboxRelay =>
    createOutboxRelay({
      db: database.db,
      temporal: { client, taskQueue: temporal.taskQueue },
      logger,
      pollIntervalMs: 100,
      sendTimeoutMs: 5_000,
      backoff: { initialMs: 50, maxMs: 200 },
      maxAttempts,
    });

  const delivery = (guid: string): DeliveryRecord => ({
    deliveryGuid: guid,
    event: "workflow_job",
    action: "queued",
    installationId: 101,
    hookId: null,
    targetType: null,
    targetId: null,
    payloadBytes: 2,
    payloadJson: null,
    status: "routed",
    statusReason: null,
  });

  /** One delivery carrying one jobEvent signal to `workflowId`, marked with `n`. */
  const enqueue = (workflowId: string, n: number, signalName = "jobEvent") =>
    recordDelivery(database, delivery(`${workflowId}-${n}`), [
      { workflowId, workflowType: "jobWorkflow", signalName, args: { n } },
    ]);

  const deliveryRow = (guid: string) =>
    database.db
      .selectFrom("webhook_deliveries")
      .select(["status", "status_reason"])
      .where("delivery_guid", "=", guid)
      .executeTakeFirstOrThrow();

  const marks = async (workflowId: string): Promise<unknown[]> =>
    (await receivedSignals(temporal.client, workflowId)).map((s) => {
      const arg = s.args[0];
      return typeof arg === "object" && arg !== null && "n" in arg ? arg.n : undefined;
    });

  it("sets aside a signal Temporal refuses, and its workflow's later signals proceed", async () => {
    const workflowId = `job-${base + 1}`;
    await enqueue(workflowId, 1);
    // Temporal caps signal names at 1,000 characters: an invalid argument, for good.
    await enqueue(workflowId, 2, "s".repeat(1_001));
    await enqueue(workflowId, 3);
    const relay = relayWith(temporal.client, 3);
    await relay.start();
    try {
      await eventually("outbox settled", async () => {
        const rows = (await outboxRows(database.db)).filter((r) => r.workflow_id === workflowId);
        return rows.every((r) => r.sent_at !== null || r.dead_lettered_at !== null)
          ? true
          : undefined;
      });
      const received = await eventually("later signal received", async () => {
        const got = await marks(workflowId);
        return got.length === 2 ? got : undefined;
      });
      expect(received).toEqual([1, 3]);

      const rows = (await outboxRows(database.db)).filter((r) => r.workflow_id === workflowId);
      const dead = rows[1]!;
      expect(dead).toMatchObject({ sent_at: null, attempts: 3, permanent_failures: 3 });
      expect(dead.dead_lettered_at).not.toBeNull();
      expect(dead.last_error).toMatch(/exceeds maximum allowed length/);
      // Its successor was sent only once it was set aside.
      expect(rows[2]!.sent_at!.getTime()).toBeGreaterThanOrEqual(dead.dead_lettered_at!.getTime());
      const record = await deliveryRow(`${workflowId}-2`);
      expect(record.status).toBe("failed");
      expect(record.status_reason).toMatch(/dead-lettered after 3 attempts: .*maximum allowed/);
      expect((await deliveryRow(`${workflowId}-3`)).status).toBe("routed");
      expect(relay.stats()).toMatchObject({ sent: 2, failedAttempts: 2, deadLettered: 1 });
    } finally {
      await relay.stop();
    }
  });

  it("requeues dead letters by id or all at once, once the cause is fixed", async () => {
    const workflowId = `job-${base + 2}`;
    await enqueue(workflowId, 1);
    await enqueue(workflowId, 2);
    // A relay pointed at a namespace that does not exist: refused on every call, until
    // an operator fixes the configuration.
    const misconfigured = new Client({
      connection: temporal.client.connection,
      namespace: `hangar-missing-${uniqueSuffix()}`,
    });
    const broken = relayWith(misconfigured, 2);
    await broken.start();
    try {
      await eventually("both signals dead-lettered", async () => {
        const rows = (await outboxRows(database.db)).filter((r) => r.workflow_id === workflowId);
        return rows.every((r) => r.dead_lettered_at !== null) ? true : undefined;
      });
    } finally {
      await broken.stop();
    }
    expect(broken.stats()).toMatchObject({ sent: 0, deadLettered: 2 });
    const listed = (await listDeadLetters(database.db)).filter((d) => d.workflowId === workflowId);
    expect(listed.map((d) => [d.deliveryGuid, d.attempts])).toEqual([
      [`${workflowId}-1`, 2],
      [`${workflowId}-2`, 2],
    ]);
    expect(listed.every((d) => d.lastError?.includes("NamespaceNotFoundError"))).toBe(true);
    expect((await deliveryRow(`${workflowId}-1`)).status).toBe("failed");

    const fixed = relayWith(temporal.client, 2);
    await fixed.start();
    try {
      expect(await requeueDeadLetters(database.db, { ids: [listed[0]!.id] })).toBe(1);
      await eventually("first requeued signal received", async () =>
        (await marks(workflowId)).length === 1 ? true : undefined,
      );
      expect(await deliveryRow(`${workflowId}-1`)).toEqual({
        status: "routed",
        status_reason: null,
      });
      expect((await deliveryRow(`${workflowId}-2`)).status).toBe("failed");
      const [, second] = (await outboxRows(database.db)).filter(
        (r) => r.workflow_id === workflowId,
      );
      expect(second!.dead_lettered_at).not.toBeNull();

      // "all" also takes the first test's letter, whose cause (its signal name) is not
      // fixed: it is tried again and set aside again.
      expect(await requeueDeadLetters(database.db, "all")).toBe(2);
      const received = await eventually("second requeued signal received", async () => {
        const got = await marks(workflowId);
        return got.length === 2 ? got : undefined;
      });
      expect(received).toEqual([1, 2]);
      expect((await deliveryRow(`${workflowId}-2`)).status).toBe("routed");
      // A row that is no longer a dead letter is left alone.
      expect(await requeueDeadLetters(database.db, { ids: [listed[0]!.id] })).toBe(0);
      expect(await requeueDeadLetters(database.db, { ids: [] })).toBe(0);
      await eventually("the unfixed letter set aside again", () =>
        Promise.resolve(fixed.stats().deadLettered === 1 ? true : undefined),
      );
      expect(fixed.stats()).toMatchObject({ sent: 2, deadLettered: 1 });
    } finally {
      await fixed.stop();
    }
  });
});
