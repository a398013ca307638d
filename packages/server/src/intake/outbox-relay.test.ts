import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  testDatabase,
  testTemporal,
  type TestDatabase,
  type TestTemporal,
} from "@hangar/testkit";
import type { FastifyInstance } from "fastify";
import { createLogger } from "../observability/logger.js";
import { createIntakeApp, WEBHOOK_PATH } from "./app.js";
import { recordDelivery } from "./deliveries.js";
import { listenForOutbox } from "./outbox-listener.js";
import { createOutboxRelay, type OutboxRelay } from "./outbox-relay.js";
import { createSignatureVerifier } from "./signature.js";
import {
  signedDelivery,
  repositoryPayload,
  workflowJobPayload,
  type SignedDelivery,
} from "./testing/payloads.js";
import {
  actionsOf,
  outboxRows,
  receivedSignals,
  startRecorderWorker,
  terminateAll,
  unreachableTemporalClient,
  type RecorderWorker,
} from "./testing/relay-harness.js";

// Deliveries in through the real endpoint, signals out through a real Temporal server
// to recorder workflows on a real worker.

const SECRET = "relay-test-webhook-secret";
const actions = ["queued", "in_progress", "completed"] as const;
const logger = createLogger({ level: "silent" });
// Workflow ids outlive a test run in the shared Temporal server: a fixed job id would
// signal the still-running workflow of an earlier run, on a task queue nobody polls.
const base = Math.floor(Math.random() * 2 ** 40) * 1_000;
const jobId = (n: number): number => base + n;

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe("outbox relay", () => {
  let database: TestDatabase;
  let temporal: TestTemporal;
  let worker: RecorderWorker;
  let app: FastifyInstance;

  beforeAll(async () => {
    [database, temporal] = await Promise.all([testDatabase({ max: 12 }), testTemporal()]);
    worker = await startRecorderWorker({
      connection: temporal.workerConnection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
    });
    app = createIntakeApp({
      db: database.db,
      pool: database.pool,
      verify: createSignatureVerifier([SECRET]),
      isHangarJob: () => Promise.resolve(true),
      logger,
    });
    await app.ready();
  });
  afterAll(async () => {
    const rows = await outboxRows(database.db);
    await terminateAll(temporal.client, [...new Set(rows.map((r) => r.workflow_id))]);
    await app.close();
    await worker.stop();
    await Promise.all([database.close(), temporal.close()]);
  });

  const relayWith = (
    client = temporal.client,
    extra: { batchSize?: number; maxAttempts?: number } = {},
  ): OutboxRelay =>
    createOutboxRelay({
      db: database.db,
      temporal: { client, taskQueue: temporal.taskQueue },
      logger,
      pollIntervalMs: 200,
      sendTimeoutMs: 2_000,
      backoff: { initialMs: 100, maxMs: 500 },
      ...extra,
    });

  const jobDeliveries = (jobIds: number[]): SignedDelivery[] =>
    jobIds.flatMap((jobId) =>
      actions.map((action) =>
        signedDelivery({
          secret: SECRET,
          event: "workflow_job",
          body: workflowJobPayload({ action, jobId }),
        }),
      ),
    );

  const post = async (delivery: SignedDelivery): Promise<number> =>
    (
      await app.inject({
        method: "POST",
        url: WEBHOOK_PATH,
        headers: delivery.headers,
        payload: delivery.body,
      })
    ).statusCode;

  /** Every job's workflow got each of its signals once, in the order of its outbox rows. */
  async function expectSignalsInOutboxOrder(jobIds: number[]): Promise<void> {
    const rows = await outboxRows(database.db);
    for (const jobId of jobIds) {
      const workflowId = `job-${jobId}`;
      const expected = rows
        .filter((r) => r.workflow_id === workflowId)
        .map((r) => (r.payload as { action: string }).action);
      expect(expected.toSorted()).toEqual([...actions].toSorted());
      const received = await eventually(`${workflowId} signals`, async () => {
        const signals = await receivedSignals(temporal.client, workflowId);
        return signals.length >= expected.length ? signals : undefined;
      });
      expect(received.every((s) => s.name === "jobEvent")).toBe(true);
      expect(actionsOf(received)).toEqual(expected);
    }
  }

  it("delivers shuffled, duplicated deliveries once each, in outbox order, woken by NOTIFY", async () => {
    const jobIds = [1, 2, 3].map(jobId);
    const deliveries = jobDeliveries(jobIds);
    const relay = createOutboxRelay({
      db: database.db,
      temporal: { client: temporal.client, taskQueue: temporal.taskQueue },
      logger,
      // A poll this slow cannot explain prompt delivery: the notification must.
      pollIntervalMs: 60_000,
      wakeUps: listenForOutbox(database.pool, logger),
    });
    await relay.start();
    try {
      const statuses = await Promise.all(shuffled([...deliveries, ...deliveries]).map(post));
      expect(statuses.filter((s) => s === 202)).toHaveLength(9);
      expect(statuses.filter((s) => s === 200)).toHaveLength(9);
      await eventually(
        "outbox drained",
        async () =>
          (await outboxRows(database.db)).every((r) => r.sent_at !== null) ? true : undefined,
        15_000,
      );
      await expectSignalsInOutboxOrder(jobIds);
      const stats = relay.stats();
      expect(stats.sent).toBe(9);
      expect(stats.latencyMs.count).toBe(9);
      expect(stats.latencyMs.max).toBeLessThan(15_000);
    } finally {
      await relay.stop();
    }
  });

  it("keeps accepting while Temporal is unreachable, then a working relay drains the backlog", async () => {
    const jobIds = [11, 12].map(jobId);
    // One permanent failure would dead-letter a row: unavailability must never count.
    const broken = relayWith(unreachableTemporalClient(temporal.namespace), { maxAttempts: 1 });
    await broken.start();
    try {
      for (const delivery of jobDeliveries(jobIds)) expect(await post(delivery)).toBe(202);
      const pending = await eventually("failed attempts recorded", async () => {
        const rows = (await outboxRows(database.db)).filter((r) =>
          jobIds.some((id) => r.workflow_id === `job-${id}`),
        );
        const heads = jobIds.map((id) => rows.find((r) => r.workflow_id === `job-${id}`));
        return heads.every((r) => r !== undefined && r.attempts >= 2) ? rows : undefined;
      });
      expect(pending).toHaveLength(6);
      expect(pending.every((r) => r.sent_at === null)).toBe(true);
      expect(pending.every((r) => r.dead_lettered_at === null && r.permanent_failures === 0)).toBe(
        true,
      );
      expect(broken.stats().deadLettered).toBe(0);
      const heads = jobIds.map((id) => pending.find((r) => r.workflow_id === `job-${id}`)!);
      expect(heads.every((r) => r.last_error !== null && r.last_error.length > 0)).toBe(true);
      // Rows behind a failing head wait for it: order is kept, so they were never tried.
      expect(pending.filter((r) => !heads.includes(r)).every((r) => r.attempts === 0)).toBe(true);
      expect(broken.stats().failedAttempts).toBeGreaterThan(0);
    } finally {
      await broken.stop();
    }
    const working = relayWith();
    await working.start();
    try {
      await eventually("backlog drained", async () =>
        (await outboxRows(database.db)).every((r) => r.sent_at !== null) ? true : undefined,
      );
      await expectSignalsInOutboxOrder(jobIds);
    } finally {
      await working.stop();
    }
  });

  it("never sends a row twice when two relays run at once", async () => {
    const jobIds = Array.from({ length: 40 }, (_, i) => jobId(100 + i));
    for (const delivery of jobDeliveries(jobIds)) expect(await post(delivery)).toBe(202);
    const relays = [
      relayWith(temporal.client, { batchSize: 7 }),
      relayWith(temporal.client, { batchSize: 7 }),
    ];
    await Promise.all(relays.map((r) => r.start()));
    try {
      await eventually("outbox drained by two relays", async () =>
        (await outboxRows(database.db)).every((r) => r.sent_at !== null) ? true : undefined,
      );
    } finally {
      await Promise.all(relays.map((r) => r.stop()));
    }
    const sent = relays.map((r) => r.stats().sent);
    expect(sent[0]! + sent[1]!).toBe(jobIds.length * actions.length);
    await expectSignalsInOutboxOrder(jobIds);
  });

  it("starts a workflow that ends when idle afresh on its next event", async () => {
    const relay = relayWith();
    await relay.start();
    try {
      const repositoryId = jobId(300);
      const workflowId = `workflow-files-${repositoryId}`;
      const push = (after: string): SignedDelivery =>
        signedDelivery({
          secret: SECRET,
          event: "push",
          body: {
            ref: "refs/heads/main",
            after,
            repository: repositoryPayload(repositoryId),
            installation: { id: 42 },
            commits: [{ added: [], modified: [".github/workflows/ci.yml"], removed: [] }],
          },
        });
      expect(await post(push("a1"))).toBe(202);
      await eventually("first scan started", async () =>
        (await receivedSignals(temporal.client, workflowId)).length === 1 ? true : undefined,
      );
      const first = temporal.client.workflow.getHandle(workflowId);
      await first.signal("finish");
      await first.result();
      expect(await post(push("b2"))).toBe(202);
      await eventually("second push reached a new run", async () =>
        (await receivedSignals(temporal.client, workflowId)).length === 1 &&
        (await temporal.client.workflow.getHandle(workflowId).describe()).status.name === "RUNNING"
          ? true
          : undefined,
      );
      const rows = (await outboxRows(database.db)).filter((r) => r.workflow_id === workflowId);
      expect(rows.map((r) => r.last_error)).toEqual([null, null]);
    } finally {
      await relay.stop();
    }
  });

  it("drops a signal for a workflow that already completed instead of starting it again", async () => {
    const relay = relayWith();
    await relay.start();
    try {
      // Runs end for good when they complete (jobs restart: see job.test.ts).
      const workflowId = `run-${jobId(200)}-1`;
      const runEvent = (guid: string, action: string) =>
        recordDelivery(
          database,
          {
            deliveryGuid: guid,
            event: "workflow_run",
            action,
            installationId: 101,
            hookId: null,
            targetType: null,
            targetId: null,
            payloadBytes: 2,
            payloadJson: null,
            status: "routed",
            statusReason: null,
          },
          [{ workflowId, workflowType: "runWorkflow", signalName: "runEvent", args: { action } }],
        );
      await runEvent(`${workflowId}-requested`, "requested");
      await eventually("run started", async () =>
        (await receivedSignals(temporal.client, workflowId)).length === 1 ? true : undefined,
      );
      const handle = temporal.client.workflow.getHandle(workflowId);
      await handle.signal("finish");
      await handle.result();
      await runEvent(`${workflowId}-completed`, "completed");
      const row = await eventually("late signal settled", async () => {
        const rows = (await outboxRows(database.db)).filter((r) => r.workflow_id === workflowId);
        return rows.length === 2 && rows.every((r) => r.sent_at !== null) ? rows[1] : undefined;
      });
      expect(row.last_error).toBe("workflow already completed");
      expect(relay.stats().droppedClosed).toBe(1);
      const description = await handle.describe();
      expect(description.status.name).toBe("COMPLETED");
    } finally {
      await relay.stop();
    }
  });
});
