import type { Kysely } from "kysely";
import type pg from "pg";
import {
  billability,
  billableSeconds,
  customUnitPrice,
  defaultBillingRounding,
  defaultCustomRunnerRates,
  secondsAmount,
  startedMinutes,
  type BillingRounding,
  type CustomRunnerRates,
} from "../domain/billing.js";
import type { Database } from "../storage/schema.js";
import { usageLedgerStatements } from "../storage/usage-ledger.js";

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
   * The pool behind `db`: given it, recordUsage's two statements run prepared, planned
   * once per connection instead of on every call (storage/usage-ledger.ts).
   */
  pool?: pg.Pool;
  /** How run time is rounded to billed time; whole started minutes by default. */
  rounding?: BillingRounding;
  /** What custom runners (no offering, so no list price) cost per vCPU- and GiB-minute. */
  customRates?: CustomRunnerRates;
}) {
  const ledger = usageLedgerStatements(deps.db, deps.pool);
  const rates = deps.customRates ?? defaultCustomRunnerRates;
  const rounding = deps.rounding ?? defaultBillingRounding;

  return {
    /**
     * Two round trips and no explicit transaction: one read (the job, its runner and
     * the price in effect when it completed), then one INSERT … ON CONFLICT DO NOTHING,
     * whose trigger queues the event for the daily totals only if it was inserted. What the read sees cannot
     * change under it: a completed job never changes again, and prices are history.
     */
    async recordUsage(jobId: number): Promise<UsageResult> {
      const job = await ledger.billingFacts(jobId);
      if (job?.status !== "completed" || job.github_completed_at === null) {
        return { kind: "not-billable", reason: "job not completed" };
      }
      const verdict = billability({
        conclusion: job.conclusion,
        startedAt: job.github_started_at,
        completedAt: job.github_completed_at,
        hadRunner: job.runner_name !== null || job.github_runner_id !== null,
      });
      if (!verdict.billable) return { kind: "not-billable", reason: verdict.reason };

      const occurredAt = job.github_completed_at;
      const price =
        job.offering_id === null
          ? {
              unitPrice: customUnitPrice(job.cpu_millis, job.memory_mib, rates),
              currency: rates.currency,
            }
          : offeringPrice(job.offering_id, job.offering_price);
      const seconds = billableSeconds(verdict.runMs, rounding);
      const minutes = startedMinutes(seconds);
      const amount = secondsAmount(seconds, price.unitPrice);

      // The daily totals are not touched here: a trigger queues the event for the
      // rollup (storage/usage-rollup.ts) in this same statement, so concurrent writers
      // of one workspace's day do not queue on its usage_daily row.
      const inserted = await ledger.insertEvent({
        github_job_id: jobId,
        workspace_id: job.workspace_id,
        project_id: job.project_id,
        runner_id: job.runner_id,
        offering_id: job.offering_id,
        github_repository_id: job.github_repository_id,
        billable_minutes: minutes,
        billable_seconds: seconds,
        unit_price: price.unitPrice,
        amount,
        currency: price.currency,
        occurred_at: occurredAt,
      });
      if (inserted === undefined) return { kind: "already-recorded" };
      return {
        kind: "recorded",
        minutes,
        seconds,
        unitPrice: price.unitPrice,
        amount,
        currency: price.currency,
      };
    },
  };
}

/**
 * The offering's price in effect when the job completed, read with the job: the latest
 * price effective by then. A job that completed before the first recorded price (clock
 * skew between GitHub and the database) takes the first price: there was never another.
 */
function offeringPrice(
  offeringId: string,
  found: unknown,
): { unitPrice: string; currency: string } {
  const pair = typeof found === "string" ? (JSON.parse(found) as unknown) : found;
  if (!Array.isArray(pair) || typeof pair[0] !== "string" || typeof pair[1] !== "string") {
    throw new Error(`offering ${offeringId} has no price`);
  }
  return { unitPrice: pair[0], currency: pair[1] };
}

export type UsageActivities = ReturnType<typeof createUsageActivities>;
