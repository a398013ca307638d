-- Daily usage totals rolled up from the ledger off the write path.
--
-- Until now each event's statement also upserted its day's usage_daily row, so
-- concurrent writers of one workspace's day queued on that row's lock. Now an event
-- insert only queues the event's contribution here (a trigger, so every writer does,
-- in the same transaction as the event: both exist or neither), and a single rollup at
-- a time (storage/usage-rollup.ts, under an advisory lock) moves queued rows into
-- usage_daily in batches, deleting them in the same statement that adds them. A row is
-- therefore counted in usage_daily or queued here, never both and never neither, at
-- every commit; statements read usage_daily plus the rows still queued.
CREATE TABLE usage_rollup_pending (
  -- The usage event this row stands for; an event is queued at most once. No foreign
  -- key: rows come only from the trigger below, and the ledger is never deleted from.
  event_id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL,
  -- The UTC day of the event's occurred_at, as usage_daily keys it.
  day date NOT NULL,
  offering_id text,
  currency text NOT NULL,
  minutes integer NOT NULL,
  seconds integer NOT NULL,
  amount numeric(20, 6) NOT NULL
);
-- Statements read the rows of one workspace's period not yet rolled up.
CREATE INDEX usage_rollup_pending_workspace_day_idx ON usage_rollup_pending (workspace_id, day);

-- Once per statement, with the rows it really inserted: duplicates skipped by
-- ON CONFLICT DO NOTHING are not in the transition table, so they queue nothing.
CREATE FUNCTION queue_usage_rollup() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_rollup_pending (event_id, workspace_id, day, offering_id, currency,
    minutes, seconds, amount)
  SELECT id, workspace_id, (occurred_at AT TIME ZONE 'UTC')::date, offering_id, currency,
    billable_minutes, billable_seconds, amount
  FROM inserted_events;
  RETURN NULL;
END
$$;
CREATE TRIGGER usage_events_queue_rollup AFTER INSERT ON usage_events
  REFERENCING NEW TABLE AS inserted_events
  FOR EACH STATEMENT EXECUTE FUNCTION queue_usage_rollup();

-- Implied twice over: (project_id, workspace_id) and (runner_id, workspace_id) must
-- match a project's and a runner's workspace, and those reference workspaces with
-- RESTRICT. Checking it a third time cost every ledger row a lookup and a row lock.
ALTER TABLE usage_events DROP CONSTRAINT usage_events_workspace_id_fkey;

COMMENT ON TABLE usage_daily IS
  'Rolled-up daily totals; the events in usage_rollup_pending are not in them yet.';
