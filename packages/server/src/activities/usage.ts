import { sql, type Kysely } from "kysely";
import {
  billability,
  billableMinutes,
  customUnitPrice,
  defaultCustomRunnerRates,
  usageAmount,
  type CustomRunnerRates,
} from "../domain/billing.js";
import type { Database } from "../storage/schema.js";

// The usage ledger: exactly one event per billable job, and the daily totals derived
// from it in the same transaction. The unique key on github_job_id is what makes it
// exactly once; the totals move only when this call inserted the event.

export type UsageResult =
  | { kind: "recorded"; minutes: number; unitPrice: string; amount: string; currency: string }
  | { kind: "already-recorded" }
  | { kind: "not-billable"; reason: string };

export function createUsageActivities(deps: {
  db: Kysely<Database>;
  customRates?: CustomRunnerRates;
}) {
  const { db } = deps;
  const rates = deps.customRates ?? defaultCustomRunnerRates;

  return {
    async recordUsage(jobId: number): Promise<UsageResult> {
      return db.transaction().execute(async (trx) => {
        const job = await trx
          .selectFrom("jobs")
          .innerJoin("runners", (join) =>
            join
              .onRef("runners.id", "=", "jobs.runner_id")
              .onRef("runners.workspace_id", "=", "jobs.workspace_id"),
          )
          .select([
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
            : await offeringPrice(trx, job.offering_id, occurredAt);
        const minutes = billableMinutes(verdict.runMs);
        const amount = usageAmount(minutes, price.unitPrice);

        const inserted = await trx
          .insertInto("usage_events")
          .values({
            github_job_id: jobId,
            workspace_id: job.workspace_id,
            project_id: job.project_id,
            runner_id: job.runner_id,
            offering_id: job.offering_id,
            github_repository_id: job.github_repository_id,
            billable_minutes: minutes,
            unit_price: price.unitPrice,
            amount,
            currency: price.currency,
            occurred_at: occurredAt,
          })
          .onConflict((oc) => oc.column("github_job_id").doNothing())
          .returning("id")
          .executeTakeFirst();
        if (inserted === undefined) return { kind: "already-recorded" };

        await trx
          .insertInto("usage_daily")
          .values({
            workspace_id: job.workspace_id,
            day: sql<string>`(${occurredAt}::timestamptz at time zone 'UTC')::date`,
            offering_id: job.offering_id,
            currency: price.currency,
            job_count: 1,
            minutes,
            amount,
          })
          .onConflict((oc) =>
            oc.constraint("usage_daily_key").doUpdateSet({
              job_count: sql`usage_daily.job_count + 1`,
              minutes: sql`usage_daily.minutes + excluded.minutes`,
              amount: sql`usage_daily.amount + excluded.amount`,
            }),
          )
          .execute();
        return {
          kind: "recorded",
          minutes,
          unitPrice: price.unitPrice,
          amount,
          currency: price.currency,
        };
      });
    },
  };
}

/**
 * The offering's price in effect when the job completed. A job that completed before
 * the first recorded price (clock skew between GitHub and the database) takes the
 * first price: there was never another.
 */
async function offeringPrice(
  db: Kysely<Database>,
  offeringId: string,
  at: Date,
): Promise<{ unitPrice: string; currency: string }> {
  const row = await db
    .selectFrom("runner_offering_prices")
    .select(["price_per_minute", "currency"])
    .where("offering_id", "=", offeringId)
    .orderBy(sql`effective_from <= ${at}`, "desc")
    .orderBy(sql`case when effective_from <= ${at} then effective_from end`, "desc")
    .orderBy("effective_from", "asc")
    .limit(1)
    .executeTakeFirst();
  if (row === undefined) throw new Error(`offering ${offeringId} has no price`);
  return { unitPrice: row.price_per_minute, currency: row.currency };
}

export type UsageActivities = ReturnType<typeof createUsageActivities>;
