// Billing rules: which completed jobs are billed and for how much. Money is integer
// micro-units (1e-6 of the currency, the scale of the numeric(12,6) columns) in
// bigint, and decimal strings at the edges: never a float.

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

export interface CompletedJobFacts {
  conclusion: string | null;
  startedAt: Date | null;
  completedAt: Date | null;
  /** Whether a runner took the job (runner_name or runner id in its events). */
  hadRunner: boolean;
}

export type Billability = { billable: true; runMs: number } | { billable: false; reason: string };

/**
 * A job is billed when a runner ran it for some time: skipped jobs and jobs cancelled
 * before a runner took them cost nothing. A job cancelled or failed after it started
 * is billed, because the runner was busy.
 */
export function billability(job: CompletedJobFacts): Billability {
  if (job.conclusion === "skipped") return { billable: false, reason: "skipped" };
  if (!job.hadRunner) return { billable: false, reason: "no runner took the job" };
  if (job.startedAt === null || job.completedAt === null) {
    return { billable: false, reason: "no start or completion time" };
  }
  const runMs = job.completedAt.getTime() - job.startedAt.getTime();
  if (runMs <= 0) return { billable: false, reason: "ran for no time" };
  return { billable: true, runMs };
}

/** Started minutes: any part of a minute counts as a whole one. */
export function billableMinutes(runMs: number): number {
  if (!Number.isInteger(runMs) || runMs <= 0) throw new RangeError(`bad run time ${runMs}`);
  return Math.ceil(runMs / 60_000);
}

/** amount = minutes × unit price, exactly as usage_events' CHECK computes it. */
export function usageAmount(minutes: number, unitPrice: string): string {
  return formatMicros(BigInt(minutes) * parseMicros(unitPrice));
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

/** Billed seconds of a job that ran `runMs` milliseconds. */
export function billableSeconds(runMs: number, rounding: BillingRounding): number {
  if (!Number.isInteger(runMs) || runMs <= 0) throw new RangeError(`bad run time ${runMs}`);
  const { granularitySeconds: step, minimumSeconds } = rounding;
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`bad granularity ${step}`);
  const rounded = Math.ceil(runMs / (step * 1000)) * step;
  return Math.max(rounded, minimumSeconds);
}

/** Minutes begun within `seconds`: the ledger's billable_minutes. */
export function startedMinutes(seconds: number): number {
  return Math.ceil(seconds / 60);
}

/**
 * amount = seconds / 60 × price per minute, rounded up to the micro-unit (never
 * undercharging by a fraction), exactly as usage_events' CHECK computes it. With whole
 * minutes it is minutes × price, with no rounding at all.
 */
export function secondsAmount(seconds: number, unitPrice: string): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError(`bad seconds ${seconds}`);
  return formatMicros((BigInt(seconds) * parseMicros(unitPrice) + 59n) / 60n);
}

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

export function customUnitPrice(
  cpuMillis: number,
  memoryMib: number,
  rates: CustomRunnerRates,
): string {
  // price = cpuMillis/1000 × vcpu + memoryMib/1024 × gib, over a common denominator.
  const numerator =
    BigInt(cpuMillis) * parseMicros(rates.perVcpuMinute) * 1024n +
    BigInt(memoryMib) * parseMicros(rates.perGibMinute) * 1000n;
  const denominator = 1000n * 1024n;
  return formatMicros((numerator + denominator - 1n) / denominator);
}
