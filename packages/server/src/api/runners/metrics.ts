import { create } from "@bufbuild/protobuf";
import { DurationSchema, timestampFromDate, type Duration } from "@bufbuild/protobuf/wkt";
import {
  GetRunnerMetricsResponseSchema,
  type GetRunnerMetricsResponse,
} from "@hangar/api/runner_service_pb.js";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../storage/schema.js";

// GetRunnerMetrics, computed by PostgreSQL over the completed jobs of the window in one
// query: exact counts and continuous percentiles (percentile_cont interpolates between
// the two middle values, as a statistician's median does), never sampled or estimated.
// jobs_workspace_completed_idx serves the workspace and window; the other filters are
// applied to its rows.

export interface MetricsQuery {
  workspaceId: string;
  runnerId: string | undefined;
  repository: string | undefined;
  workflowName: string | undefined;
  startTime: Date;
  endTime: Date;
}

interface MetricsRow {
  total: string;
  succeeded: string;
  failed: string;
  cancelled: string;
  queue_p50: number | null;
  queue_p90: number | null;
  run_p50: number | null;
  run_p90: number | null;
}

function duration(seconds: number | null): Duration | undefined {
  if (seconds === null) return undefined;
  // Nanoseconds rounded once, so 1.5 s is exactly { seconds: 1, nanos: 500000000 }.
  const totalNanos = BigInt(Math.round(seconds * 1e9));
  return create(DurationSchema, {
    seconds: totalNanos / 1_000_000_000n,
    nanos: Number(totalNanos % 1_000_000_000n),
  });
}

export async function runnerMetrics(
  db: Kysely<Database>,
  query: MetricsQuery,
): Promise<GetRunnerMetricsResponse> {
  // One sort per measure: percentile_cont over an array of fractions shares it, where
  // two separate calls would each sort every job in the window.
  const { rows } = await sql<MetricsRow>`
    SELECT total, succeeded, failed, cancelled,
      queue[1] AS queue_p50, queue[2] AS queue_p90, run[1] AS run_p50, run[2] AS run_p90
    FROM (SELECT
      count(*)::text AS total,
      count(*) FILTER (WHERE j.conclusion = 'success')::text AS succeeded,
      count(*) FILTER (WHERE j.conclusion IN ('failure', 'timed_out'))::text AS failed,
      count(*) FILTER (WHERE j.conclusion = 'cancelled')::text AS cancelled,
      percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY j.queue_seconds) AS queue,
      percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY j.run_seconds) AS run
    FROM jobs j
    WHERE j.workspace_id = ${query.workspaceId}
      AND j.status = 'completed'
      AND j.github_completed_at >= ${query.startTime}
      AND j.github_completed_at < ${query.endTime}
      ${query.runnerId === undefined ? sql`` : sql`AND j.runner_id = ${query.runnerId}`}
      ${query.workflowName === undefined ? sql`` : sql`AND j.workflow_name = ${query.workflowName}`}
      ${
        query.repository === undefined
          ? sql``
          : sql`AND j.github_repository_id IN (
              SELECT r.github_repository_id FROM repositories r
              WHERE lower(r.full_name) = lower(${query.repository}))`
      }) AS window_jobs`.execute(db);
  const row = rows[0];
  if (row === undefined) throw new Error("an aggregate query returned no row");
  const total = BigInt(row.total);
  const failed = BigInt(row.failed);
  return create(GetRunnerMetricsResponseSchema, {
    startTime: timestampFromDate(query.startTime),
    endTime: timestampFromDate(query.endTime),
    totalJobs: total,
    succeededJobs: BigInt(row.succeeded),
    failedJobs: failed,
    cancelledJobs: BigInt(row.cancelled),
    failureRate: total === 0n ? 0 : Number(failed) / Number(total),
    queueTimeP50: duration(row.queue_p50),
    queueTimeP90: duration(row.queue_p90),
    runTimeP50: duration(row.run_p50),
    runTimeP90: duration(row.run_p90),
  });
}
