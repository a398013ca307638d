import { CompiledQuery, type Kysely } from "kysely";
import type pg from "pg";
import { parseMicros, type BillingRounding, type CustomRunnerRates } from "../domain/billing.js";
import { queryRunner } from "./prepared.js";
import type { Database } from "./schema.js";

/** What recording one job's usage did; amounts are decimal strings with six places. */
export type LedgerWrite =
  | { kind: "not-billable"; reason: string }
  | {
      kind: "billed";
      /** False when the job was billed already (by an earlier call, or a concurrent one). */
      inserted: boolean;
      minutes: number;
      seconds: number;
      unitPrice: string;
      amount: string;
      currency: string;
    };

// One statement, one round trip per job, which is what the metering hot path costs:
// read the job, its runner and the price in effect when it completed; apply the
// billing rules (the usage_* functions of 0014_usage_ledger_write_path.sql); insert
// the event ON CONFLICT DO NOTHING on the job's key, so it is written exactly once
// however often this runs; report what was billed either way. The trigger of 0013
// queues an inserted event for the daily totals in the same statement.
//
// The price is the offering's latest effective when the job completed, or the first
// one for a job that completed before any (clock skew between GitHub and the
// database); custom runners (no offering) are priced from their size.
//
// $1 job id, $2 rounding granularity (s), $3 minimum (s), $4 vCPU-minute and $5
// GiB-minute rates of custom runners (micro-units), $6 their currency.
const recordUsageSql = `
WITH job AS (
  SELECT j.github_job_id, j.workspace_id, j.github_repository_id, j.github_completed_at,
    r.id AS runner_id, r.project_id, r.offering_id,
    CASE WHEN j.status <> 'completed' OR j.github_completed_at IS NULL THEN 'job not completed'
      ELSE usage_unbilled_reason(j.conclusion,
        j.runner_name IS NOT NULL OR j.github_runner_id IS NOT NULL,
        j.github_started_at, j.github_completed_at)
    END AS unbilled,
    usage_run_ms(j.github_started_at, j.github_completed_at) AS run_ms,
    coalesce(price.unit_price,
      CASE WHEN r.offering_id IS NULL
        THEN usage_custom_unit_price(r.cpu_millis, r.memory_mib, $4, $5) END) AS unit_price,
    CASE WHEN r.offering_id IS NULL THEN $6::text ELSE price.currency END AS currency
  FROM jobs j
  JOIN runners r ON r.id = j.runner_id AND r.workspace_id = j.workspace_id
  LEFT JOIN LATERAL (
    SELECT p.price_per_minute AS unit_price, p.currency
    FROM runner_offering_prices p
    WHERE p.offering_id = r.offering_id
    ORDER BY p.effective_from <= j.github_completed_at DESC,
      CASE WHEN p.effective_from <= j.github_completed_at THEN p.effective_from END DESC,
      p.effective_from
    LIMIT 1
  ) price ON true
  WHERE j.github_job_id = $1
), billed AS (
  SELECT job.*, s.seconds, (s.seconds + 59) / 60 AS minutes,
    usage_seconds_amount(s.seconds, job.unit_price) AS amount
  FROM job, LATERAL (SELECT usage_billed_seconds(job.run_ms, $2, $3) AS seconds) s
  WHERE job.unbilled IS NULL AND job.unit_price IS NOT NULL
), inserted AS (
  INSERT INTO usage_events (github_job_id, workspace_id, project_id, runner_id, offering_id,
    github_repository_id, billable_minutes, billable_seconds, unit_price, amount, currency,
    occurred_at)
  SELECT github_job_id, workspace_id, project_id, runner_id, offering_id,
    github_repository_id, minutes, seconds, unit_price, amount, currency, github_completed_at
  FROM billed
  ON CONFLICT (github_job_id) DO NOTHING
  RETURNING github_job_id
)
SELECT job.unbilled, job.offering_id, billed.minutes, billed.seconds,
  billed.unit_price::text AS unit_price, billed.amount::text AS amount, billed.currency,
  EXISTS (SELECT FROM inserted) AS inserted
FROM job LEFT JOIN billed ON true`;

interface RecordedRow {
  unbilled: string | null;
  offering_id: string | null;
  minutes: number | null;
  seconds: number | null;
  unit_price: string | null;
  amount: string | null;
  currency: string | null;
  inserted: boolean;
}

/**
 * Records jobs' usage in the ledger with the given billing terms. Given the pool, the
 * statement runs prepared (storage/prepared.ts); without it, through Kysely.
 */
export function usageLedger(
  db: Kysely<Database>,
  terms: { rounding: BillingRounding; customRates: CustomRunnerRates },
  pool?: pg.Pool,
) {
  const { granularitySeconds, minimumSeconds } = terms.rounding;
  if (!Number.isInteger(granularitySeconds) || granularitySeconds < 1) {
    throw new RangeError(`bad billing granularity ${granularitySeconds}`);
  }
  if (!Number.isInteger(minimumSeconds) || minimumSeconds < 0) {
    throw new RangeError(`bad billing minimum ${minimumSeconds}`);
  }
  const fixed = [
    granularitySeconds,
    minimumSeconds,
    parseMicros(terms.customRates.perVcpuMinute).toString(),
    parseMicros(terms.customRates.perGibMinute).toString(),
    terms.customRates.currency,
  ];
  const run = queryRunner(db, pool);

  return {
    async record(jobId: number): Promise<LedgerWrite> {
      const [row] = await run(
        CompiledQuery.raw(recordUsageSql, [jobId, ...fixed]) as CompiledQuery<RecordedRow>,
      );
      if (row === undefined) return { kind: "not-billable", reason: "job not completed" };
      if (row.unbilled !== null) return { kind: "not-billable", reason: row.unbilled };
      if (row.seconds === null || row.minutes === null) {
        throw new Error(`offering ${row.offering_id ?? "?"} has no price`);
      }
      return {
        kind: "billed",
        inserted: row.inserted,
        minutes: row.minutes,
        seconds: row.seconds,
        unitPrice: row.unit_price ?? "",
        amount: row.amount ?? "",
        currency: row.currency ?? "",
      };
    },
  };
}
