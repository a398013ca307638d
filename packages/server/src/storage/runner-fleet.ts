import { sql, type Kysely } from "kysely";
import type { Database } from "./schema.js";

// What each runner configuration has right now: its instances by state and the jobs
// assigned to it. One query over every configuration (the gha_* gauges) or over a
// page of them (the API's Runner.fleet), so neither grows with the number of runners.

export interface FleetCounts {
  runnerId: string;
  name: string;
  namespace: string;
  /** The workspace's slug. */
  workspace: string;
  minIdle: number;
  maxRunners: number;
  /** Instances registered with GitHub (idle or busy). */
  registered: number;
  busy: number;
  idle: number;
  /** Instances being started (pending, registering) or torn down (terminating). */
  starting: number;
  /** Jobs queued for the configuration or running on it. */
  assigned: number;
  running: number;
  /** min(max runners, min idle + assigned jobs), as the pool sizes itself. */
  desired: number;
}

/**
 * Every live configuration (deleted_at unset), or only those of `runnerIds`, ordered by
 * workspace slug, name and namespace so that a label cap admits them stably.
 */
export async function readFleetCounts(
  db: Kysely<Database>,
  options: { runnerIds?: readonly string[] } = {},
): Promise<FleetCounts[]> {
  const ids = options.runnerIds;
  if (ids !== undefined && ids.length === 0) return [];
  const only = (column: string) =>
    ids === undefined ? sql`TRUE` : sql`${sql.ref(column)} = ANY(${[...ids]}::uuid[])`;
  const { rows } = await sql<{
    id: string;
    name: string;
    namespace: string;
    workspace: string;
    min_idle: number;
    max_runners: number;
    registered: number;
    busy: number;
    idle: number;
    starting: number;
    assigned: number;
    running: number;
  }>`
    WITH live AS (
      SELECT runner_id,
        count(*) FILTER (WHERE state IN ('idle', 'busy'))::int AS registered,
        count(*) FILTER (WHERE state = 'busy')::int AS busy,
        count(*) FILTER (WHERE state = 'idle')::int AS idle,
        count(*) FILTER (WHERE state IN ('pending', 'registering', 'terminating'))::int AS starting
      FROM runner_instances
      WHERE state NOT IN ('terminated', 'failed') AND ${only("runner_id")}
      GROUP BY runner_id
    ), open_jobs AS (
      -- Jobs held for an environment approval are not the pool's demand yet.
      SELECT runner_id,
        count(*) FILTER (WHERE status IN ('queued', 'in_progress'))::int AS assigned,
        count(*) FILTER (WHERE status = 'in_progress')::int AS running
      FROM jobs
      WHERE status <> 'completed' AND runner_id IS NOT NULL AND ${only("runner_id")}
      GROUP BY runner_id
    )
    SELECT r.id, r.name, r.namespace, w.slug AS workspace, r.min_idle, r.max_runners,
      coalesce(l.registered, 0) AS registered, coalesce(l.busy, 0) AS busy,
      coalesce(l.idle, 0) AS idle, coalesce(l.starting, 0) AS starting,
      coalesce(j.assigned, 0) AS assigned, coalesce(j.running, 0) AS running
    FROM runners r
    JOIN workspaces w ON w.id = r.workspace_id
    LEFT JOIN live l ON l.runner_id = r.id
    LEFT JOIN open_jobs j ON j.runner_id = r.id
    WHERE r.deleted_at IS NULL AND ${only("r.id")}
    ORDER BY w.slug, r.name, r.namespace
  `.execute(db);
  return rows.map((row) => ({
    runnerId: row.id,
    name: row.name,
    namespace: row.namespace,
    workspace: row.workspace,
    minIdle: row.min_idle,
    maxRunners: row.max_runners,
    registered: row.registered,
    busy: row.busy,
    idle: row.idle,
    starting: row.starting,
    assigned: row.assigned,
    running: row.running,
    desired: Math.min(row.max_runners, row.min_idle + row.assigned),
  }));
}
