// Billing terms and money. Money is integer micro-units (1e-6 of the currency, the
// scale of the numeric(12,6) columns) in bigint, and decimal strings at the edges:
// never a float. The rules that turn a completed job into an amount (which jobs are
// billed, rounding, custom runners' prices) are SQL functions applied where the event
// is written (0014_usage_ledger_write_path.sql, storage/usage-ledger.ts), so that the
// read, the pricing and the insert are one statement; storage/billing-rules.test.ts
// holds their tables.

const microsPerUnit = 1_000_000n;

/** A decimal string with at most six places ("0.008", "12") → micro-units. */
export function parseMicros(decimal: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,6}))?$/.exec(decimal.trim());
  if (!match) throw new RangeError(`not a non-negative decimal with ≤ 6 places: ${decimal}`);
  const whole = match[1] ?? "0";
  const fraction = (match[2] ?? "").padEnd(6, "0");
  return BigInt(whole) * microsPerUnit + BigInt(fraction);
}

/** Micro-units → a decimal string with exactly six places ("0.024000"). */
export function formatMicros(micros: bigint): string {
  if (micros < 0n) throw new RangeError("negative money");
  const whole = micros / microsPerUnit;
  const fraction = (micros % microsPerUnit).toString().padStart(6, "0");
  return `${whole}.${fraction}`;
}

/**
 * How run time becomes billed time: rounded up to whole multiples of
 * `granularitySeconds` (60 bills started minutes, 1 bills per second), then raised to
 * `minimumSeconds` (a minimum charge per job, 0 for none).
 */
export interface BillingRounding {
  granularitySeconds: number;
  minimumSeconds: number;
}

export const defaultBillingRounding: BillingRounding = {
  granularitySeconds: 60,
  minimumSeconds: 0,
};

/**
 * Custom runners have no offering, so no list price: they are billed per vCPU-minute and
 * per GiB-minute of what they request. Rounded up to the micro-unit so the unit price
 * fits numeric(12,6) and never undercharges.
 */
export interface CustomRunnerRates {
  perVcpuMinute: string;
  perGibMinute: string;
  currency: string;
}

/** Defaults in the range of public cloud on-demand prices; operators override them. */
export const defaultCustomRunnerRates: CustomRunnerRates = {
  perVcpuMinute: "0.002000",
  perGibMinute: "0.000250",
  currency: "USD",
};
