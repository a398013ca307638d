import type { Kysely } from "kysely";
import type pg from "pg";
import {
  defaultBillingRounding,
  defaultCustomRunnerRates,
  type BillingRounding,
  type CustomRunnerRates,
} from "../domain/billing.js";
import type { Database } from "../storage/schema.js";
import { usageLedger } from "../storage/usage-ledger.js";

// The usage ledger: exactly one event per billable job. The unique key on github_job_id
// is what makes it exactly once; the daily totals follow from the events actually
// inserted (queued by a trigger, rolled up by storage/usage-rollup.ts).

export type UsageResult =
  | {
      kind: "recorded";
      minutes: number;
      seconds: number;
      unitPrice: string;
      amount: string;
      currency: string;
    }
  | { kind: "already-recorded" }
  | { kind: "not-billable"; reason: string };

export function createUsageActivities(deps: {
  db: Kysely<Database>;
  /**
   * The pool behind `db`: given it, recordUsage's statement runs prepared, planned
   * once per connection instead of on every call (storage/usage-ledger.ts).
   */
  pool?: pg.Pool;
  /** How run time is rounded to billed time; whole started minutes by default. */
  rounding?: BillingRounding;
  /** What custom runners (no offering, so no list price) cost per vCPU- and GiB-minute. */
  customRates?: CustomRunnerRates;
}) {
  const ledger = usageLedger(
    deps.db,
    {
      rounding: deps.rounding ?? defaultBillingRounding,
      customRates: deps.customRates ?? defaultCustomRunnerRates,
    },
    deps.pool,
  );

  return {
    /**
     * One statement and no explicit transaction (storage/usage-ledger.ts): the job, its
     * runner and its price are read, the billing rules applied and the event inserted
     * ON CONFLICT DO NOTHING, whose trigger queues it for the daily totals only if it
     * was inserted. What the read sees cannot change under it: a completed job never
     * changes again, and prices are history.
     */
    async recordUsage(jobId: number): Promise<UsageResult> {
      const written = await ledger.record(jobId);
      if (written.kind === "not-billable") return written;
      if (!written.inserted) return { kind: "already-recorded" };
      const { minutes, seconds, unitPrice, amount, currency } = written;
      return { kind: "recorded", minutes, seconds, unitPrice, amount, currency };
    },
  };
}

export type UsageActivities = ReturnType<typeof createUsageActivities>;
