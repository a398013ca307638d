import { sql, type Kysely } from "kysely";
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

// The usage ledger: exactly one event per billable job, and the daily totals derived
// from it in the same transaction. The unique key on github_job_id is what makes it
// exactly once; the totals move only when this call inserted the event.

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
  /** How run time is rounded to billed time; whole started minutes by default. */
  rounding?: BillingRounding;
  /** What custom runners (no offering, so no list price) cost per vCPU- and GiB-minute. */
  customRates?: CustomRunnerRates;
}) {
  const { db } = deps;
  const rates = deps.customRates ?? defaultCustomRunnerRates;
  const rounding = deps.rounding ?? defaultBillingRounding;

  return {
    /**
     * Two round trips and no explicit transaction: one read (the job, its runner and
     * the price in effect when it completed), then one statement that inserts the event
     * and, only if it did, moves the daily totals, atomically. What the read sees cannot
     * change under it: a completed job never changes again, and prices are history.
     */
    async recordUsage(jobId: number): Promise<UsageResult> {
      const job = await db
        .selectFrom("jobs")
        .innerJoin("runners", (join) =>
          join
            .onRef("runners.id", "=", "jobs.runner_id")
            .onRef("runners.workspace_id", "=", "jobs.workspace_id"),
        )
        .select((eb) => [
          "jobs.status",
          "jobs.conclusion",
          "jobs.github_started_at",
          "jobs.github_completed_at",
          "jobs.runner_name",
          "jobs.github_runner_id",
          "jobs.workspace_id",
          "jobs.github_repository_id",
          "runners.id as runner_id",
          "runners.project_id",
          "runners.offering_id",
          "runners.cpu_millis",
          "runners.memory_mib",
          eb
            .selectFrom("runner_offering_prices as p")
            .select(sql<string>`json_build_array(p.price_per_minute::text, p.currency)`.as("p"))
            .whereRef("p.offering_id", "=", "runners.offering_id")
            .orderBy(sql`p.effective_from <= jobs.github_completed_at`, "desc")
            .orderBy(
              sql`case when p.effective_from <= jobs.github_completed_at then p.effective_from end`,
              "desc",
            )
            .orderBy("p.effective_from", "asc")
            .limit(1)
            .as("offering_price"),
        ])
        .where("jobs.github_job_id", "=", BigInt(jobId))
        .executeTakeFirst();
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

      const daily = await db
        .with("inserted", (cte) =>
          cte
            .insertInto("usage_events")
            .values({
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
            })
            .onConflict((oc) => oc.column("github_job_id").doNothing())
            .returning(["workspace_id", "offering_id", "currency", "occurred_at"]),
        )
        .insertInto("usage_daily")
        .columns([
          "workspace_id",
          "day",
          "offering_id",
          "currency",
          "job_count",
          "minutes",
          "seconds",
          "amount",
        ])
        .expression((eb) =>
          eb
            .selectFrom("inserted")
            .select([
              "inserted.workspace_id",
              sql<string>`(inserted.occurred_at at time zone 'UTC')::date`.as("day"),
              "inserted.offering_id",
              "inserted.currency",
              sql<number>`1`.as("job_count"),
              sql<number>`${minutes}::integer`.as("minutes"),
              sql<number>`${seconds}::bigint`.as("seconds"),
              sql<string>`${amount}::numeric`.as("amount"),
            ]),
        )
        .onConflict((oc) =>
          oc.constraint("usage_daily_key").doUpdateSet({
            job_count: sql`usage_daily.job_count + 1`,
            minutes: sql`usage_daily.minutes + excluded.minutes`,
            seconds: sql`usage_daily.seconds + excluded.seconds`,
            amount: sql`usage_daily.amount + excluded.amount`,
          }),
        )
        .returning("id")
        .executeTakeFirst();
      if (daily === undefined) return { kind: "already-recorded" };
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
