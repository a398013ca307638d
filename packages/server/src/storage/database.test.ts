import { sql } from "kysely";
import pg from "pg";
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { createDatabase } from "./database.js";
import { createTenant, type Tenant } from "./test-fixtures.js";
import { testDatabase, type TestDatabase } from "@hangar/testkit";

let t: TestDatabase;
let tenant: Tenant;

beforeAll(async () => {
  t = await testDatabase();
  tenant = await createTenant(t.db);
});

afterAll(async () => {
  await t.close();
});

describe("createDatabase type parsing", () => {
  it("reads int8 as bigint, numeric and date as strings, timestamptz as Date", async () => {
    const { rows } = await sql<{
      big: bigint;
      bigs: (bigint | null)[];
      money: string;
      day: string;
      at: Date;
    }>`SELECT 9007199254740993::int8 AS big, ARRAY[1, NULL, 9007199254740993]::int8[] AS bigs,
              0.1::numeric(12, 6) + 0.2 AS money, '2026-03-01'::date AS day,
              '2026-03-01T00:00:00Z'::timestamptz AS at`.execute(t.db);
    expect(rows[0]).toEqual({
      big: 9007199254740993n,
      bigs: [1n, null, 9007199254740993n],
      money: "0.300000",
      day: "2026-03-01",
      at: new Date("2026-03-01T00:00:00Z"),
    });
  });

  it("leaves pg's global parsers alone", async () => {
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ big: unknown }>("SELECT 1::int8 AS big");
      expect(rows[0]?.big).toBe("1");
    } finally {
      await client.end();
    }
  });

  it("closes its pool once, however often close() is called", async () => {
    const handle = createDatabase(t.url, { max: 1 });
    await sql`SELECT 1`.execute(handle.db);
    await Promise.all([handle.close(), handle.close()]);
    await expect(handle.close()).resolves.toBeUndefined();
    expect(handle.pool.ended).toBe(true);
  });
});

describe("runner offering prices", () => {
  it("records every price change with its effective time, for billing by time", async () => {
    await t.db
      .updateTable("runner_offerings")
      .set({ price_per_minute: "0.010000" })
      .where("id", "=", tenant.offeringId)
      .execute();
    await t.db
      .updateTable("runner_offerings")
      .set({ is_autoscale: false })
      .where("id", "=", tenant.offeringId)
      .execute();

    const prices = await t.db
      .selectFrom("runner_offering_prices")
      .select(["price_per_minute", "currency"])
      .where("offering_id", "=", tenant.offeringId)
      .orderBy("effective_from")
      .execute();
    expect(prices).toEqual([
      { price_per_minute: "0.008000", currency: "USD" },
      { price_per_minute: "0.010000", currency: "USD" },
    ]);
  });

  it("bills a job at the price in effect when it completed", async () => {
    const offering = `${tenant.offeringId}-priced`;
    await t.db
      .insertInto("runner_offerings")
      .values({
        id: offering,
        name: offering,
        cpu: "2",
        memory: "8Gi",
        image_repository: "ghcr.io/actions/actions-runner",
        image_tag: "2.330.0",
        price_per_minute: "0.004000",
      })
      .execute();
    await t.db
      .insertInto("runner_offering_prices")
      .values([
        {
          offering_id: offering,
          effective_from: "2026-03-01T00:00:00Z",
          price_per_minute: "0.004000",
          currency: "USD",
        },
        {
          offering_id: offering,
          effective_from: "2026-03-15T00:00:00Z",
          price_per_minute: "0.005000",
          currency: "USD",
        },
      ])
      .execute();

    const priceAt = async (at: string) =>
      (
        await t.db
          .selectFrom("runner_offering_prices")
          .select("price_per_minute")
          .where("offering_id", "=", offering)
          .where("effective_from", "<=", new Date(at))
          .orderBy("effective_from", "desc")
          .limit(1)
          .executeTakeFirstOrThrow()
      ).price_per_minute;
    expect(await priceAt("2026-03-14T23:59:59Z")).toBe("0.004000");
    expect(await priceAt("2026-03-15T00:00:00Z")).toBe("0.005000");
  });

  it("rejects a GPU type without GPUs", async () => {
    await expect(
      t.db
        .updateTable("runner_offerings")
        .set({ gpu_type: "nvidia-l4" })
        .where("id", "=", tenant.offeringId)
        .execute(),
    ).rejects.toMatchObject({ code: "23514", constraint: "runner_offerings_gpu_type_iff_gpus" });
  });
});
