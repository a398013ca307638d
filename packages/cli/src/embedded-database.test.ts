import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@hangar/devenv";
import { eventually, testTemporal, type TestTemporal } from "@hangar/testkit";
import { createOutboxRelay } from "@hangar/server/intake/outbox-relay.js";
import { signedDelivery, workflowJobPayload } from "@hangar/server/intake/testing/payloads.js";
import {
  actionsOf,
  outboxRows,
  receivedSignals,
  startRecorderWorker,
  terminateAll,
  type RecorderWorker,
} from "@hangar/server/intake/testing/relay-harness.js";
import { startIntake } from "@hangar/server/main/intake.js";
import { createLogger } from "@hangar/server/observability/logger.js";
import { createDatabase, type DatabaseHandle } from "@hangar/server/storage/database.js";
import { listMigrations, migrate } from "@hangar/server/storage/migrate.js";
import { tableColumns } from "@hangar/server/storage/schema-columns.js";

// Hangar on the embedded database as `hangar start` runs it: the migrator, and the
// intake's durable accept with its relay to a real Temporal server, through the same pg
// pools production uses.

const SECRET = "embedded-database-webhook-secret";
const logger = createLogger({ level: "silent" });
const actions = ["queued", "in_progress", "completed"] as const;
// Workflow ids outlive a run in the shared Temporal server: ids of its own for each run.
const base = Math.floor(Math.random() * 2 ** 40) * 1_000;

describe("Hangar on the embedded database", () => {
  const dir = mkdtempSync(join(tmpdir(), "hangar-embedded-"));
  let embedded: EmbeddedPostgres;
  let database: DatabaseHandle;
  let temporal: TestTemporal;
  let worker: RecorderWorker;

  beforeAll(async () => {
    [embedded, temporal] = await Promise.all([
      startEmbeddedPostgres({ dir, port: 0 }),
      testTemporal(),
    ]);
    database = createDatabase(embedded.url, { max: 10 });
    worker = await startRecorderWorker({
      connection: temporal.workerConnection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
    });
  });
  afterAll(async () => {
    await worker.stop();
    await database.close();
    await Promise.all([embedded.stop(), temporal.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies every migration once, even with two migrators at once, to the schema schema.ts describes", async () => {
    const migrations = listMigrations();
    // The migrator's advisory lock must still exclude the second one, although every
    // connection here is the same PostgreSQL session.
    const results = await Promise.all([migrate(embedded.url), migrate(embedded.url)]);
    const applied = results.map((r) => r.applied.length).sort((a, b) => a - b);
    expect(applied).toEqual([0, migrations.length]);
    expect(results.map((r) => r.alreadyApplied).sort((a, b) => a - b)).toEqual([
      0,
      migrations.length,
    ]);

    const { rows } = await database.pool.query<{
      table_name: string;
      column_name: string;
      udt_name: string;
      is_nullable: string;
    }>(
      `SELECT table_name, column_name, udt_name, is_nullable FROM information_schema.columns
        WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
    );
    const actual: Record<string, Record<string, string>> = {};
    for (const row of rows) {
      actual[row.table_name] ??= {};
      actual[row.table_name]![row.column_name] =
        row.is_nullable === "YES" ? `${row.udt_name}?` : row.udt_name;
    }
    expect(actual).toEqual(tableColumns);
  });

  it("accepts deliveries durably and relays each signal once, in order, with two relays polling", async () => {
    // As `hangar start` wires it on the embedded database: no pool (hence no LISTEN),
    // the relay polls. A second relay claims batches alongside it.
    const intake = await startIntake({
      db: database.db,
      temporalClient: temporal.client,
      taskQueue: temporal.taskQueue,
      logger,
      webhookSecrets: [SECRET],
      maxBodyBytes: 1024 * 1024,
      host: "127.0.0.1",
      port: 0,
      isHangarJob: () => Promise.resolve(true),
      relay: { pollIntervalMs: 100, batchSize: 5 },
    });
    const second = createOutboxRelay({
      db: database.db,
      temporal: { client: temporal.client, taskQueue: temporal.taskQueue },
      logger,
      pollIntervalMs: 100,
      batchSize: 5,
    });
    await second.start();

    const jobIds = Array.from({ length: 12 }, (_, i) => base + i);
    const deliveries = jobIds.flatMap((jobId) =>
      actions.map((action) =>
        signedDelivery({
          secret: SECRET,
          event: "workflow_job",
          body: workflowJobPayload({ action, jobId }),
        }),
      ),
    );
    try {
      // Every delivery twice, all at once: one is recorded, the other is a duplicate.
      const statuses = await Promise.all(
        [...deliveries, ...deliveries].map(async (delivery) => {
          const response = await fetch(`${intake.url}/webhooks/github`, {
            method: "POST",
            headers: delivery.headers,
            body: delivery.body,
          });
          return response.status;
        }),
      );
      expect(statuses.filter((s) => s === 202)).toHaveLength(deliveries.length);
      expect(statuses.filter((s) => s === 200)).toHaveLength(deliveries.length);

      const recorded = await database.pool.query<{ deliveries: number; signals: number }>(
        `SELECT (SELECT count(*)::int FROM webhook_deliveries) AS deliveries,
                (SELECT count(*)::int FROM signal_outbox) AS signals`,
      );
      expect(recorded.rows).toEqual([
        { deliveries: deliveries.length, signals: deliveries.length },
      ]);

      await eventually("outbox drained", async () =>
        (await outboxRows(database.db)).every((r) => r.sent_at !== null) ? true : undefined,
      );
      const sent = (intake.relay?.stats().sent ?? 0) + second.stats().sent;
      expect(sent).toBe(deliveries.length);

      const rows = await outboxRows(database.db);
      for (const jobId of jobIds) {
        const workflowId = `job-${jobId}`;
        const expected = rows
          .filter((r) => r.workflow_id === workflowId)
          .map((r) => (r.payload as { action: string }).action);
        const received = await eventually(`${workflowId} signals`, async () => {
          const signals = await receivedSignals(temporal.client, workflowId);
          return signals.length >= expected.length ? signals : undefined;
        });
        expect(actionsOf(received)).toEqual(expected);
      }
    } finally {
      await second.stop();
      await intake.stop();
      await terminateAll(
        temporal.client,
        jobIds.map((id) => `job-${id}`),
      );
    }
  });
});
