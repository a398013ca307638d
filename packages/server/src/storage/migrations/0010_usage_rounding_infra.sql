-- Billing with configurable rounding, and the infrastructure time of runner instances
-- recorded beside billed usage, so operators see what the cluster spent against what
-- was billed.

-- Billed time in seconds, so run time can be rounded to any granularity (per second,
-- per started minute, with a minimum). billable_minutes stays: the minutes begun.
ALTER TABLE usage_events ADD COLUMN billable_seconds integer;
UPDATE usage_events SET billable_seconds = billable_minutes * 60;
ALTER TABLE usage_events
  ALTER COLUMN billable_seconds SET NOT NULL,
  ADD CONSTRAINT usage_events_billable_seconds_check CHECK (billable_seconds > 0),
  ADD CONSTRAINT usage_events_minutes_are_started_minutes
    CHECK (billable_minutes = (billable_seconds + 59) / 60),
  DROP CONSTRAINT usage_events_amount_is_minutes_times_price,
  -- Still minutes × price per minute: seconds / 60 × price, rounded up to the
  -- micro-unit (whole minutes round nothing). Exact in numeric, so the ledger can be
  -- audited row by row.
  ADD CONSTRAINT usage_events_amount_is_minutes_times_price
    CHECK (amount = div(billable_seconds * unit_price * 1000000 + 59, 60) / 1000000);

-- Billed seconds per day; minutes stays the sum of minutes begun.
ALTER TABLE usage_daily ADD COLUMN seconds bigint NOT NULL DEFAULT 0 CHECK (seconds >= 0);
UPDATE usage_daily SET seconds = minutes::bigint * 60;
ALTER TABLE usage_daily ALTER COLUMN seconds DROP DEFAULT;

-- One row per runner instance, written once when it ends (whatever ends it: its own
-- teardown or the runner sweep), by the trigger below. Its lifetime split into boot
-- (admitted until registered), idle (registered until its job started) and busy (its
-- job until the end), in milliseconds.
CREATE TABLE runner_infra_usage (
  -- No foreign key: instances are operational records that retention may prune, and
  -- this ledger outlives them, like usage_events.
  runner_instance_id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE RESTRICT,
  runner_id uuid NOT NULL,
  -- NULL for custom runners.
  offering_id text REFERENCES runner_offerings ON DELETE RESTRICT,
  -- The size it ran at, for cost per vCPU- or GiB-minute.
  cpu_millis integer NOT NULL CHECK (cpu_millis > 0),
  memory_mib integer NOT NULL CHECK (memory_mib > 0),
  github_job_id bigint,
  outcome text NOT NULL CHECK (outcome IN ('terminated', 'failed')),
  started_at timestamptz NOT NULL,
  ended_at timestamptz NOT NULL,
  boot_ms bigint NOT NULL CHECK (boot_ms >= 0),
  idle_ms bigint NOT NULL CHECK (idle_ms >= 0),
  busy_ms bigint NOT NULL CHECK (busy_ms >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT runner_infra_usage_runner_fkey FOREIGN KEY (runner_id, workspace_id)
    REFERENCES runners (id, workspace_id) ON DELETE RESTRICT,
  CONSTRAINT runner_infra_usage_parts_make_lifetime CHECK (
    boot_ms + idle_ms + busy_ms = extract(epoch FROM ended_at - started_at) * 1000)
);
CREATE INDEX runner_infra_usage_workspace_ended_idx ON runner_infra_usage (workspace_id, ended_at);

-- Daily infrastructure totals, maintained with each runner_infra_usage row; the UTC day
-- an instance ended holds its whole lifetime, as a job's usage is billed on the day it
-- completed.
CREATE TABLE runner_infra_daily (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE RESTRICT,
  day date NOT NULL,
  offering_id text REFERENCES runner_offerings ON DELETE RESTRICT,
  instance_count integer NOT NULL CHECK (instance_count >= 0),
  boot_ms bigint NOT NULL CHECK (boot_ms >= 0),
  idle_ms bigint NOT NULL CHECK (idle_ms >= 0),
  busy_ms bigint NOT NULL CHECK (busy_ms >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT runner_infra_daily_key UNIQUE NULLS NOT DISTINCT (workspace_id, day, offering_id)
);
CREATE TRIGGER runner_infra_daily_set_updated_at BEFORE UPDATE ON runner_infra_daily
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- In the database rather than in each writer: an instance ends in more than one place,
-- and the record must be written in the same transaction as its end, exactly once.
-- Times are cut to milliseconds and clamped into order first, so the parts always add
-- up to the lifetime and none is negative, whatever clock wrote them.
CREATE FUNCTION record_runner_infra_usage() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  created timestamptz := date_trunc('milliseconds', NEW.created_at);
  ended timestamptz;
  registered timestamptz;
  job_started timestamptz;
  configuration record;
  boot bigint;
  idle bigint;
  busy bigint;
BEGIN
  IF NEW.state NOT IN ('terminated', 'failed')
    OR (TG_OP = 'UPDATE' AND OLD.state IN ('terminated', 'failed')) THEN
    RETURN NULL;
  END IF;
  ended := greatest(created, date_trunc('milliseconds', coalesce(NEW.terminated_at, now())));
  registered := CASE WHEN NEW.registered_at IS NOT NULL THEN
    least(greatest(date_trunc('milliseconds', NEW.registered_at), created), ended) END;
  job_started := CASE WHEN NEW.job_started_at IS NOT NULL THEN
    least(greatest(date_trunc('milliseconds', NEW.job_started_at), coalesce(registered, created)),
      ended) END;
  boot := extract(epoch FROM coalesce(registered, job_started, ended) - created) * 1000;
  idle := coalesce(extract(epoch FROM coalesce(job_started, ended) - registered) * 1000, 0);
  busy := coalesce(extract(epoch FROM ended - job_started) * 1000, 0);
  SELECT offering_id, cpu_millis, memory_mib INTO configuration
    FROM runners WHERE id = NEW.runner_id;

  INSERT INTO runner_infra_usage (runner_instance_id, workspace_id, runner_id, offering_id,
    cpu_millis, memory_mib, github_job_id, outcome, started_at, ended_at, boot_ms, idle_ms,
    busy_ms)
  VALUES (NEW.id, NEW.workspace_id, NEW.runner_id, configuration.offering_id,
    configuration.cpu_millis, configuration.memory_mib, NEW.github_job_id, NEW.state, created,
    ended, boot, idle, busy)
  ON CONFLICT (runner_instance_id) DO NOTHING;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;

  INSERT INTO runner_infra_daily (workspace_id, day, offering_id, instance_count, boot_ms,
    idle_ms, busy_ms)
  VALUES (NEW.workspace_id, (ended AT TIME ZONE 'UTC')::date, configuration.offering_id, 1, boot,
    idle, busy)
  ON CONFLICT ON CONSTRAINT runner_infra_daily_key DO UPDATE SET
    instance_count = runner_infra_daily.instance_count + 1,
    boot_ms = runner_infra_daily.boot_ms + EXCLUDED.boot_ms,
    idle_ms = runner_infra_daily.idle_ms + EXCLUDED.idle_ms,
    busy_ms = runner_infra_daily.busy_ms + EXCLUDED.busy_ms;
  RETURN NULL;
END;
$$;
CREATE TRIGGER runner_instances_record_infra_usage
  AFTER INSERT OR UPDATE OF state ON runner_instances
  FOR EACH ROW EXECUTE FUNCTION record_runner_infra_usage();
