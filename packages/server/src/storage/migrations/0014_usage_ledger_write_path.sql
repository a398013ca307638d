-- The usage ledger's write path, lighter: every billable job writes one row here, so
-- each index and foreign-key check on it is paid once per job, on the hot path.
--
-- 1. The job id is the ledger's key. It was already unique (one event per job); the
--    random uuid beside it only cost a second, scattered index insertion per row. The
--    rollup queue is keyed by it too.
-- 2. No foreign keys. Every row is copied, in the statement that inserts it, from
--    the job it bills and that job's runner (storage/usage-ledger.ts), and then stays
--    as it was billed: the ledger is history, not a view of the configuration. Each
--    check was an index lookup plus a row lock written into the parent row, on every
--    job; shared parents (a runner's row, locked by many writers at once) became
--    multixacts. Usage still does not go with its workspace: the workspace's jobs,
--    which are never deleted, reference it with RESTRICT.
-- 3. The per-project and per-runner indexes served only those foreign keys' delete
--    checks; nothing reads the ledger by project or runner.
-- 4. The billing rules below are the ones the writer applies, in one statement with
--    the read of the job and its price (storage/usage-ledger.ts): one round trip per
--    job. They are plain SQL functions, which the planner inlines into the statement
--    (a function declared IMMUTABLE whose body is only STABLE, as extract() on a
--    timestamptz is, would be called instead: several times slower).

ALTER TABLE usage_rollup_pending ADD COLUMN github_job_id bigint;
UPDATE usage_rollup_pending p SET github_job_id = e.github_job_id
  FROM usage_events e WHERE e.id = p.event_id;
ALTER TABLE usage_rollup_pending
  DROP CONSTRAINT usage_rollup_pending_pkey,
  DROP COLUMN event_id,
  ALTER COLUMN github_job_id SET NOT NULL,
  ADD CONSTRAINT usage_rollup_pending_pkey PRIMARY KEY (github_job_id);

CREATE OR REPLACE FUNCTION queue_usage_rollup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_rollup_pending (github_job_id, workspace_id, day, offering_id, currency,
    minutes, seconds, amount)
  SELECT github_job_id, workspace_id, (occurred_at AT TIME ZONE 'UTC')::date, offering_id,
    currency, billable_minutes, billable_seconds, amount
  FROM inserted_events;
  RETURN NULL;
END
$$;

ALTER TABLE usage_events
  DROP CONSTRAINT usage_events_pkey,
  DROP COLUMN id,
  DROP CONSTRAINT usage_events_github_job_id_key,
  ADD CONSTRAINT usage_events_pkey PRIMARY KEY (github_job_id),
  DROP CONSTRAINT usage_events_github_job_id_fkey,
  DROP CONSTRAINT usage_events_project_fkey,
  DROP CONSTRAINT usage_events_runner_fkey,
  DROP CONSTRAINT usage_events_offering_id_fkey,
  DROP CONSTRAINT usage_events_github_repository_id_fkey;
DROP INDEX usage_events_project_occurred_idx;
DROP INDEX usage_events_runner_occurred_idx;

-- Run time in whole milliseconds, each end truncated to the millisecond first.
CREATE FUNCTION usage_run_ms(started_at timestamptz, completed_at timestamptz) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
RETURN floor(extract(epoch FROM completed_at) * 1000)::bigint
  - floor(extract(epoch FROM started_at) * 1000)::bigint;

-- Why a completed job is not billed, or NULL when it is: skipped jobs, jobs no runner
-- took (cancelled before start) and jobs with no run time cost nothing. A job
-- cancelled or failed after it started is billed: its runner was busy.
CREATE FUNCTION usage_unbilled_reason(conclusion text, had_runner boolean,
  started_at timestamptz, completed_at timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE
  WHEN conclusion IS NOT DISTINCT FROM 'skipped' THEN 'skipped'
  WHEN NOT had_runner THEN 'no runner took the job'
  WHEN started_at IS NULL OR completed_at IS NULL THEN 'no start or completion time'
  WHEN usage_run_ms(started_at, completed_at) <= 0 THEN 'ran for no time'
END;

-- Billed seconds: run time rounded up to whole multiples of `granularity` seconds (60
-- bills started minutes, 1 per second), then raised to `minimum` seconds (a minimum
-- charge per job). Integer arithmetic throughout.
CREATE FUNCTION usage_billed_seconds(run_ms bigint, granularity integer, minimum integer)
  RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN greatest((run_ms + granularity * 1000::bigint - 1) / (granularity * 1000::bigint)
  * granularity, minimum)::integer;

-- amount = seconds / 60 × price per minute, rounded up to the micro-unit (never
-- undercharging by a fraction), as usage_events' CHECK requires.
CREATE FUNCTION usage_seconds_amount(seconds integer, unit_price numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (div(seconds * unit_price * 1000000 + 59, 60) / 1000000)::numeric(20, 6);

-- Custom runners have no offering and so no list price: per minute, the vCPU rate per
-- requested vCPU plus the GiB rate per requested GiB, rates in micro-units, rounded up
-- to the micro-unit so the price fits numeric(12,6) and never undercharges.
CREATE FUNCTION usage_custom_unit_price(cpu_millis integer, memory_mib integer,
  vcpu_minute_micros bigint, gib_minute_micros bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (div(cpu_millis::numeric * vcpu_minute_micros * 1024
  + memory_mib::numeric * gib_minute_micros * 1000 + 1024000 - 1, 1024000)
  / 1000000)::numeric(12, 6);
