import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import {
  pruneDeliveries,
  recordDelivery,
  WORKFLOW_LOCK_SPACE,
  type DeliveryRecord,
} from "./deliveries.js";

describe("delivery records", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await testDatabase();
  });
  afterAll(() => database.close());

  const record = (guid: string): DeliveryRecord => ({
    deliveryGuid: guid,
    event: "workflow_job",
    action: "queued",
    installationId: 1,
    hookId: 2n,
    targetType: "integration",
    targetId: 3n,
    payloadBytes: 2,
    payloadJson: "{}",
    status: "routed",
    statusReason: null,
  });
  const signal = (n: number) => ({
    workflowId: `job-${n}`,
    workflowType: "jobWorkflow",
    signalName: "jobEvent",
    args: { n, label: "quote ' and \" and \\ and {braces}" },
  });
  const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000);

  it("writes the delivery and its signals together, in order, and a replay writes nothing", async () => {
    expect(await recordDelivery(database, record("r-1"), [signal(1), signal(2)])).toEqual({
      kind: "recorded",
      signals: 2,
    });
    expect(await recordDelivery(database, record("r-1"), [signal(1), signal(2)])).toEqual({
      kind: "duplicate",
    });
    // Without the pool (no prepared statement) the outcome is the same.
    expect(await recordDelivery({ db: database.db }, record("r-1"), [signal(1)])).toEqual({
      kind: "duplicate",
    });
    const rows = await database.db
      .selectFrom("signal_outbox")
      .select(["workflow_id", "payload"])
      .where("delivery_guid", "=", "r-1")
      .orderBy("id")
      .execute();
    expect(rows).toEqual([
      { workflow_id: "job-1", payload: signal(1).args },
      { workflow_id: "job-2", payload: signal(2).args },
    ]);
  });

  it("holds each signalled workflow's lock from the accepting statement until commit", async () => {
    // From another connection: can this workflow's lock be had right now?
    const free = async (workflowId: string): Promise<boolean> => {
      const { rows } = await sql<{ free: boolean }>`
        SELECT pg_try_advisory_xact_lock(${WORKFLOW_LOCK_SPACE}::int4, hashtext(${workflowId}))
          AS free
      `.execute(database.db);
      return rows[0]?.free === true;
    };
    await database.db.transaction().execute(async (trx) => {
      await recordDelivery({ db: trx }, record("lock-1"), [signal(40), signal(41)]);
      expect(await Promise.all(["job-40", "job-41", "job-42"].map(free))).toEqual([
        false,
        false,
        true,
      ]);
    });
    expect(await Promise.all(["job-40", "job-41"].map(free))).toEqual([true, true]);
    // A duplicate writes nothing, but waits its turn all the same.
    await database.db.transaction().execute(async (trx) => {
      expect(await recordDelivery({ db: trx }, record("lock-1"), [signal(40)])).toEqual({
        kind: "duplicate",
      });
      expect(await free("job-40")).toBe(false);
    });
  });

  it("prunes deliveries past retention with their sent signals, never unsent ones", async () => {
    await recordDelivery(database, record("old-sent"), [signal(10)]);
    await recordDelivery(database, record("old-unsent"), [signal(11)]);
    await recordDelivery(database, { ...record("old-ignored"), status: "ignored" }, []);
    await recordDelivery(database, record("recent"), [signal(12)]);
    await database.db
      .updateTable("webhook_deliveries")
      .set({ received_at: daysAgo(8) })
      .where("delivery_guid", "in", ["old-sent", "old-unsent", "old-ignored"])
      .execute();
    await database.db
      .updateTable("webhook_deliveries")
      .set({ received_at: daysAgo(6) })
      .where("delivery_guid", "=", "recent")
      .execute();
    await database.db
      .updateTable("signal_outbox")
      .set({ sent_at: new Date() })
      .where("delivery_guid", "in", ["old-sent", "recent"])
      .execute();

    expect(await pruneDeliveries(database.db)).toBe(2);
    const left = await database.db
      .selectFrom("webhook_deliveries")
      .select("delivery_guid")
      .where("delivery_guid", "in", ["old-sent", "old-unsent", "old-ignored", "recent"])
      .orderBy("delivery_guid")
      .execute();
    expect(left.map((r) => r.delivery_guid)).toEqual(["old-unsent", "recent"]);
    const outbox = await database.db
      .selectFrom("signal_outbox")
      .select("delivery_guid")
      .where("delivery_guid", "in", ["old-sent", "old-unsent"])
      .execute();
    expect(outbox).toEqual([{ delivery_guid: "old-unsent" }]);
  });
});
