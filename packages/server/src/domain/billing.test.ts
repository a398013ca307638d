import { describe, expect, it } from "vitest";
import {
  billability,
  billableMinutes,
  billableSeconds,
  customUnitPrice,
  defaultBillingRounding,
  defaultCustomRunnerRates,
  formatMicros,
  parseMicros,
  secondsAmount,
  startedMinutes,
  usageAmount,
} from "./billing.js";

const t = (s: string) => new Date(`2026-03-01T12:${s}Z`);

describe("billability", () => {
  it.each([
    [
      "ran 2m1s",
      { conclusion: "success", startedAt: t("00:10"), completedAt: t("02:11"), hadRunner: true },
      { billable: true, runMs: 121_000 },
    ],
    [
      "failed after start",
      { conclusion: "failure", startedAt: t("00:10"), completedAt: t("00:20"), hadRunner: true },
      { billable: true, runMs: 10_000 },
    ],
    [
      "cancelled after start",
      { conclusion: "cancelled", startedAt: t("00:10"), completedAt: t("00:11"), hadRunner: true },
      { billable: true, runMs: 1_000 },
    ],
    [
      "skipped",
      { conclusion: "skipped", startedAt: t("00:00"), completedAt: t("00:00"), hadRunner: false },
      { billable: false, reason: "skipped" },
    ],
    [
      "cancelled before start",
      { conclusion: "cancelled", startedAt: t("00:00"), completedAt: t("00:30"), hadRunner: false },
      { billable: false, reason: "no runner took the job" },
    ],
    [
      "no start time",
      { conclusion: "success", startedAt: null, completedAt: t("00:30"), hadRunner: true },
      { billable: false, reason: "no start or completion time" },
    ],
    [
      "zero run time",
      { conclusion: "success", startedAt: t("00:30"), completedAt: t("00:30"), hadRunner: true },
      { billable: false, reason: "ran for no time" },
    ],
  ])("%s", (_name, facts, expected) => {
    expect(billability(facts)).toEqual(expected);
  });
});

describe("money", () => {
  it.each([
    [1, 1],
    [60_000, 1],
    [60_001, 2],
    [121_000, 3],
  ])("%i ms of run time is %i started minutes", (ms, minutes) => {
    expect(billableMinutes(ms)).toBe(minutes);
  });

  it.each([
    [3, "0.008", "0.024000"],
    [3, "0.008000", "0.024000"],
    [7, "0.1", "0.700000"],
    // 0.1 + 0.2 style float error cannot happen: integer micro-units.
    [3, "0.100001", "0.300003"],
    [100_000, "12.345678", "1234567.800000"],
  ])("%i minutes at %s is %s", (minutes, price, amount) => {
    expect(usageAmount(minutes, price)).toBe(amount);
  });

  it("round-trips decimal strings and rejects what is not money", () => {
    expect(formatMicros(parseMicros("1.5"))).toBe("1.500000");
    expect(() => parseMicros("-1")).toThrow(RangeError);
    expect(() => parseMicros("0.0000001")).toThrow(RangeError);
    expect(() => parseMicros("1e3")).toThrow(RangeError);
  });

  it("prices custom runners per vCPU- and GiB-minute, rounding up to the micro-unit", () => {
    // 4 vCPU × 0.002 + 16 GiB × 0.00025 = 0.012
    expect(customUnitPrice(4000, 16_384, defaultCustomRunnerRates)).toBe("0.012000");
    // 0.5 vCPU × 0.002 + 1 MiB × 0.00025/1024 = 0.001 + 0.000000244… → 0.001001
    expect(customUnitPrice(500, 1, defaultCustomRunnerRates)).toBe("0.001001");
  });
});

describe("rounding", () => {
  it.each([
    // [run ms, granularity s, minimum s, billed s]
    [1, 60, 0, 60],
    [60_000, 60, 0, 60],
    [60_001, 60, 0, 120],
    [1, 1, 0, 1],
    [61_000, 1, 0, 61],
    [61_001, 1, 0, 62],
    [61_000, 30, 0, 90],
    [7_000, 1, 60, 60],
    [61_000, 1, 60, 61],
    [1, 3600, 0, 3600],
  ])(
    "%i ms per %i s with a %i s minimum bills %i s",
    (runMs, granularitySeconds, minimumSeconds, seconds) => {
      expect(billableSeconds(runMs, { granularitySeconds, minimumSeconds })).toBe(seconds);
    },
  );

  it("defaults to started minutes, as the ledger always billed", () => {
    for (const runMs of [1, 59_999, 60_000, 60_001, 121_000, 3_600_000]) {
      expect(billableSeconds(runMs, defaultBillingRounding)).toBe(billableMinutes(runMs) * 60);
    }
    expect(() => billableSeconds(0, defaultBillingRounding)).toThrow(RangeError);
    expect(() => billableSeconds(1, { granularitySeconds: 0, minimumSeconds: 0 })).toThrow(
      RangeError,
    );
  });

  it.each([
    [60, 1],
    [61, 2],
    [120, 2],
    [1, 1],
  ])("%i s are %i started minutes", (seconds, minutes) => {
    expect(startedMinutes(seconds)).toBe(minutes);
  });

  it.each([
    [180, "0.008", "0.024000"],
    // 61/60 × 0.008 = 0.0081333… → up to 0.008134: never undercharged.
    [61, "0.008", "0.008134"],
    [1, "0.000001", "0.000001"],
    [30, "0.000001", "0.000001"],
    [90, "0.012", "0.018000"],
  ])("%i s at %s a minute is %s", (seconds, price, amount) => {
    expect(secondsAmount(seconds, price)).toBe(amount);
  });

  it("agrees with minutes × price for whole minutes", () => {
    for (const minutes of [1, 3, 59, 1440]) {
      expect(secondsAmount(minutes * 60, "0.123457")).toBe(usageAmount(minutes, "0.123457"));
    }
  });
});
