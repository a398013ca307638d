import { describe, expect, it } from "vitest";
import { formatMicros, parseMicros } from "./billing.js";

// Money at the edges. The billing rules themselves are SQL: storage/billing-rules.test.ts.

describe("money", () => {
  it.each([
    ["0.008", 8_000n],
    ["0.008000", 8_000n],
    ["12", 12_000_000n],
    ["12.345678", 12_345_678n],
    [" 1.5 ", 1_500_000n],
  ])("%s is %i micro-units", (decimal, micros) => {
    expect(parseMicros(decimal)).toBe(micros);
  });

  it("round-trips decimal strings and rejects what is not money", () => {
    expect(formatMicros(parseMicros("1.5"))).toBe("1.500000");
    expect(formatMicros(0n)).toBe("0.000000");
    expect(() => formatMicros(-1n)).toThrow(RangeError);
    expect(() => parseMicros("-1")).toThrow(RangeError);
    expect(() => parseMicros("0.0000001")).toThrow(RangeError);
    expect(() => parseMicros("1e3")).toThrow(RangeError);
  });
});
