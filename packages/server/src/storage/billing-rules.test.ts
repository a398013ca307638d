import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import { parseMicros } from "../domain/billing.js";

// The billing rules of 0014_usage_ledger_write_path.sql, as tables, against PostgreSQL:
// the functions the ledger's writer applies (storage/usage-ledger.ts). Whole jobs
// through recordUsage are in activities/usage.test.ts.

let t: TestDatabase;

beforeAll(async () => {
  t = await testDatabase({ max: 2 });
});

afterAll(async () => {
  await t.close();
});

async function value<T>(text: string, values: unknown[]): Promise<T> {
  const { rows } = await t.pool.query<{ v: T }>(`SELECT ${text} AS v`, values);
  return rows[0]?.v as T;
}

const at = (s: string) => `2026-03-01T12:${s}Z`;

describe("usage_unbilled_reason", () => {
  it.each([
    ["ran 2m1s", "success", true, at("00:10"), at("02:11"), null],
    ["failed after start", "failure", true, at("00:10"), at("00:20"), null],
    ["cancelled after start", "cancelled", true, at("00:10"), at("00:11"), null],
    ["skipped", "skipped", false, at("00:00"), at("00:00"), "skipped"],
    [
      "cancelled before start",
      "cancelled",
      false,
      at("00:00"),
      at("00:30"),
      "no runner took the job",
    ],
    ["no start time", "success", true, null, at("00:30"), "no start or completion time"],
    ["zero run time", "success", true, at("00:30"), at("00:30"), "ran for no time"],
    ["completed before it started", "success", true, at("00:31"), at("00:30"), "ran for no time"],
  ])("%s", async (_name, conclusion, hadRunner, startedAt, completedAt, reason) => {
    expect(
      await value(
        "usage_unbilled_reason($1::text, $2::boolean, $3::timestamptz, $4::timestamptz)",
        [conclusion, hadRunner, startedAt, completedAt],
      ),
    ).toBe(reason);
  });

  it("measures run time in whole milliseconds, each end truncated first", async () => {
    expect(
      await value<bigint>("usage_run_ms($1::timestamptz, $2::timestamptz)", [
        "2026-03-01T12:00:00.000900Z",
        "2026-03-01T12:00:02.001100Z",
      ]),
    ).toBe(2001n);
  });
});

describe("usage_billed_seconds", () => {
  it.each([
    // [run ms, granularity s, minimum s, billed s]
    [1, 60, 0, 60],
    [59_999, 60, 0, 60],
    [60_000, 60, 0, 60],
    [60_001, 60, 0, 120],
    [121_000, 60, 0, 180],
    [1, 1, 0, 1],
    [61_000, 1, 0, 61],
    [61_001, 1, 0, 62],
    [61_000, 30, 0, 90],
    [7_000, 1, 60, 60],
    [61_000, 1, 60, 61],
    [1, 3600, 0, 3600],
    // A month-long job per day: no integer overflow on the way.
    [2_678_400_000, 86_400, 0, 2_678_400],
  ])(
    "%i ms per %i s with a %i s minimum bills %i s",
    async (runMs, granularity, minimum, seconds) => {
      expect(
        await value("usage_billed_seconds($1::bigint, $2::integer, $3::integer)", [
          runMs,
          granularity,
          minimum,
        ]),
      ).toBe(seconds);
    },
  );
});

describe("usage_seconds_amount", () => {
  it.each([
    [180, "0.008", "0.024000"],
    // 61/60 × 0.008 = 0.0081333… → up to 0.008134: never undercharged.
    [61, "0.008", "0.008134"],
    [1, "0.000001", "0.000001"],
    [30, "0.000001", "0.000001"],
    [90, "0.012", "0.018000"],
    // 0.1 + 0.2 style float error cannot happen: numeric throughout.
    [180, "0.100001", "0.300003"],
    [6_000_000, "12.345678", "1234567.800000"],
  ])("%i s at %s a minute is %s", async (seconds, price, amount) => {
    expect(
      await value("usage_seconds_amount($1::integer, $2::numeric)::text", [seconds, price]),
    ).toBe(amount);
  });

  it("is minutes × price for whole minutes, as the ledger's CHECK requires", async () => {
    for (const minutes of [1, 3, 59, 1440]) {
      const amount = await value<string>("usage_seconds_amount($1::integer, $2::numeric)::text", [
        minutes * 60,
        "0.123457",
      ]);
      expect(parseMicros(amount)).toBe(BigInt(minutes) * parseMicros("0.123457"));
    }
  });
});

describe("usage_custom_unit_price", () => {
  it.each([
    // 4 vCPU × 0.002 + 16 GiB × 0.00025 = 0.012
    [4000, 16_384, "0.002", "0.00025", "0.012000"],
    // 0.5 vCPU × 0.002 + 1 MiB × 0.00025/1024 = 0.001 + 0.000000244… → 0.001001
    [500, 1, "0.002", "0.00025", "0.001001"],
    [1000, 1024, "0", "0", "0.000000"],
  ])(
    "%i mCPU and %i MiB at %s per vCPU- and %s per GiB-minute cost %s a minute",
    async (cpuMillis, memoryMib, vcpu, gib, price) => {
      expect(
        await value("usage_custom_unit_price($1::integer, $2::integer, $3, $4)::text", [
          cpuMillis,
          memoryMib,
          parseMicros(vcpu).toString(),
          parseMicros(gib).toString(),
        ]),
      ).toBe(price);
    },
  );
});
