import { describe, expect, it } from "vitest";
import { csvField, csvRecord, statementCsv } from "./billing-csv.js";
import { buildStatement, formatMinutes, monthPeriod } from "./billing-statement.js";

describe("CSV fields (RFC 4180)", () => {
  it.each([
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["cr\rhere", '"cr\rhere"'],
    ["", ""],
    ["0.024000", "0.024000"],
  ])("%j is written %j", (value, written) => {
    expect(csvField(value)).toBe(written);
  });

  it("writes null as an empty field and ends records with CRLF", () => {
    expect(csvRecord(["a", null, 3, "x,y"])).toBe('a,,3,"x,y"\r\n');
  });
});

describe("statements", () => {
  it("puts infrastructure-only offerings on a line of their own and an offering's second currency after its first", () => {
    const statement = buildStatement({
      workspaceId: "w",
      ...monthPeriod("2026-12"),
      billed: [
        {
          offeringId: "b",
          currency: "USD",
          jobs: 1,
          startedMinutes: 2,
          billedSeconds: 120,
          amount: "0.02",
        },
        {
          offeringId: "b",
          currency: "EUR",
          jobs: 1,
          startedMinutes: 1,
          billedSeconds: 60,
          amount: "0.01",
        },
        {
          offeringId: null,
          currency: "USD",
          jobs: 2,
          startedMinutes: 2,
          billedSeconds: 90,
          amount: "0.000003",
        },
      ],
      infra: [
        { offeringId: "a", instances: 3, bootMs: 1, idleMs: 2, busyMs: 3 },
        { offeringId: "b", instances: 1, bootMs: 60_000, idleMs: 0, busyMs: 120_000 },
      ],
      offeringNames: new Map([
        ["a", "offering-a"],
        ["b", "offering, b"],
      ]),
    });
    expect(statementCsv(statement)).toBe(
      [
        "row,period_from,period_to,offering_id,offering_name,currency,jobs,started_minutes,billed_seconds,billed_minutes,amount,infra_instances,infra_boot_minutes,infra_idle_minutes,infra_busy_minutes,infra_minutes",
        "offering,2026-12-01,2027-01-01,a,offering-a,,0,0,0,0.00,0.000000,3,0.00,0.00,0.00,0.00",
        'offering,2026-12-01,2027-01-01,b,"offering, b",EUR,1,1,60,1.00,0.010000,1,1.00,0.00,2.00,3.00',
        'offering,2026-12-01,2027-01-01,b,"offering, b",USD,1,2,120,2.00,0.020000,0,0.00,0.00,0.00,0.00',
        "offering,2026-12-01,2027-01-01,,,USD,2,2,90,1.50,0.000003,0,0.00,0.00,0.00,0.00",
        "total,2026-12-01,2027-01-01,,,EUR,1,1,60,1.00,0.010000,4,1.00,0.00,2.00,3.00",
        "total,2026-12-01,2027-01-01,,,USD,3,4,210,3.50,0.020003,,,,,",
        "",
      ].join("\r\n"),
    );
  });

  it.each([
    ["2026-01", "2026-01-01", "2026-02-01"],
    ["2026-02", "2026-02-01", "2026-03-01"],
    ["2028-12", "2028-12-01", "2029-01-01"],
  ])("%s runs from %s to %s", (month, from, to) => {
    expect(monthPeriod(month)).toEqual({ from, to });
  });

  it("refuses what is not a month", () => {
    for (const month of ["2026-13", "2026-1", "26-01", "2026-00"]) {
      expect(() => monthPeriod(month)).toThrow(RangeError);
    }
  });

  it.each([
    [0, "0.00"],
    [299, "0.00"],
    [300, "0.01"],
    [30_000, "0.50"],
    [3_600_000, "60.00"],
    [59_999, "1.00"],
  ])("%i ms is shown as %s minutes", (ms, minutes) => {
    expect(formatMinutes(ms)).toBe(minutes);
  });
});
