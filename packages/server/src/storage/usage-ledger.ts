import { sql, type Insertable, type Kysely } from "kysely";
import type pg from "pg";
import { queryRunner, statementTemplate } from "./prepared.js";
import type { Database } from "./schema.js";
import type { UsageEventsTable } from "./schema/jobs.js";

export type NewUsageEvent = Required<Omit<Insertable<UsageEventsTable>, "id" | "created_at">>;

const eventColumns = [
  "github_job_id",
  "workspace_id",
  "project_id",
  "runner_id",
  "offering_id",
  "github_repository_id",
  "billable_minutes",
  "billable_seconds",
  "unit_price",
  "amount",
  "currency",
  "occurred_at",
] as const satisfies readonly (keyof NewUsageEvent)[];

/**
 * The two statements that record a job's usage, the hot path of metering: built once,
 * bound per call and, given the pool, run as prepared statements (storage/prepared.ts).
 * Without the pool they run through Kysely as usual.
 */
export function usageLedgerStatements(db: Kysely<Database>, pool?: pg.Pool) {
  const run = queryRunner(db, pool);

  // The job, its runner and the offering's price in effect when the job completed: the
  // latest price effective by then, or the first one for a job that completed before
  // any (clock skew between GitHub and the database).
  const billingFacts = statementTemplate(["jobId"], (args: { jobId: bigint }) =>
    db
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
      .where("jobs.github_job_id", "=", args.jobId),
  );

  // ON CONFLICT DO NOTHING on the job's unique key: exactly once however often it runs.
  // The trigger of 0013 queues the row for the daily totals only when it was inserted.
  const insertEvent = statementTemplate(eventColumns, (event: NewUsageEvent) =>
    db
      .insertInto("usage_events")
      .values(event)
      .onConflict((oc) => oc.column("github_job_id").doNothing())
      .returning("id"),
  );

  return {
    async billingFacts(jobId: number) {
      const [row] = await run(billingFacts({ jobId: BigInt(jobId) }));
      return row;
    },
    /** The new event's id, or undefined when the job was billed already. */
    async insertEvent(event: NewUsageEvent): Promise<string | undefined> {
      const [row] = await run(insertEvent(event));
      return row?.id;
    },
  };
}
