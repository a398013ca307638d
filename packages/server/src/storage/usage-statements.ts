import { sql, type Kysely } from "kysely";
import type { UsageEventRow } from "../domain/billing-csv.js";
import {
  buildStatement,
  monthPeriod,
  type BilledTotals,
  type InfraTotals,
  type UsageStatement,
} from "../domain/billing-statement.js";
import type { Database } from "./schema.js";
import { exactDailyUsage } from "./usage-rollup.js";

// Reading usage back: statements from the daily totals (usage_daily and the events not
// yet rolled up into it, beside runner_infra_daily), and the ledger itself page by page for exports. The surface for
// GetUsage and the CSV export:
//
//   usageStatement(db, { workspaceId, from, to })      UTC days [from, to), "YYYY-MM-DD"
//   monthlyStatement(db, { workspaceId, month })        a calendar month, "YYYY-MM"
//   usageEventsPage(db, { workspaceId, from, to, after, limit })
//                                                       ledger rows in (occurred_at, id)
//                                                       order; `next` resumes after them
//
// then domain/billing-csv.ts: statementCsv(statement), usageEventsCsvHeader and
// usageEventsCsv(page.rows). Statements read at most a row per day and offering, plus
// the period's events not rolled up yet (a queue the rollup keeps short), so their cost
// does not grow with the number of jobs. A job is billed on the UTC day it
// completed, at the price in effect then; a runner instance's time counts on the day it
// ended. These functions trust the workspace id they are given: authorization is the
// caller's.

export async function usageStatement(
  db: Kysely<Database>,
  input: { workspaceId: string; from: string; to: string },
): Promise<UsageStatement> {
  const { workspaceId, from, to } = input;
  const [billedRows, infraRows] = await Promise.all([
    db
      .selectFrom(exactDailyUsage(db))
      .select((eb) => [
        "offering_id",
        "currency",
        sql<string>`sum(job_count)::text`.as("jobs"),
        sql<string>`sum(minutes)::text`.as("minutes"),
        sql<string>`sum(seconds)::text`.as("seconds"),
        eb.fn.sum<string>("amount").as("amount"),
      ])
      .where("workspace_id", "=", workspaceId)
      .where("day", ">=", from)
      .where("day", "<", to)
      .groupBy(["offering_id", "currency"])
      .execute(),
    db
      .selectFrom("runner_infra_daily")
      .select([
        "offering_id",
        sql<string>`sum(instance_count)::text`.as("instances"),
        sql<string>`sum(boot_ms)::text`.as("boot_ms"),
        sql<string>`sum(idle_ms)::text`.as("idle_ms"),
        sql<string>`sum(busy_ms)::text`.as("busy_ms"),
      ])
      .where("workspace_id", "=", workspaceId)
      .where("day", ">=", from)
      .where("day", "<", to)
      .groupBy("offering_id")
      .execute(),
  ]);
  const billed: BilledTotals[] = billedRows.map((row) => ({
    offeringId: row.offering_id,
    currency: row.currency,
    jobs: Number(row.jobs),
    startedMinutes: Number(row.minutes),
    billedSeconds: Number(row.seconds),
    amount: row.amount,
  }));
  const infra: InfraTotals[] = infraRows.map((row) => ({
    offeringId: row.offering_id,
    instances: Number(row.instances),
    bootMs: Number(row.boot_ms),
    idleMs: Number(row.idle_ms),
    busyMs: Number(row.busy_ms),
  }));
  const offeringIds = [...new Set([...billed, ...infra].flatMap((row) => row.offeringId ?? []))];
  const names =
    offeringIds.length === 0
      ? []
      : await db
          .selectFrom("runner_offerings")
          .select(["id", "name"])
          .where("id", "in", offeringIds)
          .execute();
  return buildStatement({
    workspaceId,
    from,
    to,
    billed,
    infra,
    offeringNames: new Map(names.map((n) => [n.id, n.name])),
  });
}

/** The statement of one calendar month ("2026-03"), UTC. */
export async function monthlyStatement(
  db: Kysely<Database>,
  input: { workspaceId: string; month: string },
): Promise<UsageStatement> {
  return usageStatement(db, { workspaceId: input.workspaceId, ...monthPeriod(input.month) });
}

export interface UsageEventsPage {
  rows: UsageEventRow[];
  /** Pass as `after` for the next page; null when this page was the last. */
  next: string | null;
}

/**
 * Usage events that occurred in [from, to) (ISO timestamps, or days meaning their UTC
 * midnight), oldest first. The
 * cursor is the last event's job id, compared by (occurred_at, job id), so paging is exact
 * even for events that share a timestamp and is not disturbed by new events.
 */
export async function usageEventsPage(
  db: Kysely<Database>,
  input: { workspaceId: string; from: string; to: string; after?: string | null; limit: number },
): Promise<UsageEventsPage> {
  const { workspaceId, from, to, after, limit } = input;
  let query = db
    .selectFrom("usage_events as e")
    .innerJoin("repositories as r", "r.github_repository_id", "e.github_repository_id")
    .select([
      "e.occurred_at",
      "e.github_job_id",
      "e.project_id",
      "e.runner_id",
      "e.offering_id",
      "r.full_name",
      "e.billable_seconds",
      "e.billable_minutes",
      "e.unit_price",
      "e.amount",
      "e.currency",
    ])
    .where("e.workspace_id", "=", workspaceId)
    .where("e.occurred_at", ">=", new Date(from))
    .where("e.occurred_at", "<", new Date(to));
  if (after != null) {
    query = query.where(
      sql<boolean>`(e.occurred_at, e.github_job_id) > (select occurred_at, github_job_id from usage_events where github_job_id = ${after}::bigint)`,
    );
  }
  const found = await query
    .orderBy("e.occurred_at")
    .orderBy("e.github_job_id")
    .limit(limit + 1)
    .execute();
  const page = found.slice(0, limit);
  return {
    rows: page.map((row) => ({
      occurredAt: row.occurred_at,
      githubJobId: row.github_job_id,
      projectId: row.project_id,
      runnerId: row.runner_id,
      offeringId: row.offering_id,
      repository: row.full_name,
      billedSeconds: row.billable_seconds,
      startedMinutes: row.billable_minutes,
      unitPrice: row.unit_price,
      amount: row.amount,
      currency: row.currency,
    })),
    next: found.length > limit ? (page.at(-1)?.github_job_id.toString() ?? null) : null,
  };
}
