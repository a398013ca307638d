-- The usage ledger. Money is numeric, never float; rows are never cascaded away.

CREATE TABLE usage_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The key invariant: at most one billable event per job, however often the job
  -- workflow retries or GitHub redelivers. Writers INSERT ... ON CONFLICT DO NOTHING.
  github_job_id bigint NOT NULL REFERENCES jobs ON DELETE RESTRICT,
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE RESTRICT,
  project_id uuid NOT NULL,
  runner_id uuid NOT NULL,
  -- NULL for custom runners, which are billed at a unit price of the writer's choosing.
  offering_id text REFERENCES runner_offerings ON DELETE RESTRICT,
  github_repository_id bigint NOT NULL REFERENCES repositories ON DELETE RESTRICT,
  -- Started minutes of run time. Jobs that ran for no time produce no event.
  billable_minutes integer NOT NULL CHECK (billable_minutes > 0),
  -- The price in effect at occurred_at (runner_offering_prices), copied so that the
  -- ledger never changes when prices do.
  unit_price numeric(12, 6) NOT NULL CHECK (unit_price >= 0),
  amount numeric(20, 6) NOT NULL,
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- The job's completion time: the month it is billed in.
  occurred_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT usage_events_github_job_id_key UNIQUE (github_job_id),
  CONSTRAINT usage_events_project_fkey FOREIGN KEY (project_id, workspace_id)
    REFERENCES projects (id, workspace_id) ON DELETE RESTRICT,
  CONSTRAINT usage_events_runner_fkey FOREIGN KEY (runner_id, workspace_id)
    REFERENCES runners (id, workspace_id) ON DELETE RESTRICT,
  -- Exact in numeric, so the ledger can be audited row by row.
  CONSTRAINT usage_events_amount_is_minutes_times_price
    CHECK (amount = billable_minutes * unit_price)
);
CREATE INDEX usage_events_workspace_occurred_idx ON usage_events (workspace_id, occurred_at);
CREATE INDEX usage_events_project_occurred_idx ON usage_events (project_id, occurred_at);
CREATE INDEX usage_events_runner_occurred_idx ON usage_events (runner_id, occurred_at);

-- Daily totals for dashboards and invoices. Derived from usage_events by the metering
-- code in the same transaction as the event insert (only when that insert happened);
-- it can always be rebuilt from usage_events.
CREATE TABLE usage_daily (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE RESTRICT,
  -- The UTC day of occurred_at.
  day date NOT NULL,
  -- NULL buckets custom runners; NULLS NOT DISTINCT keeps that bucket single, which is
  -- also why this is a unique constraint and not the primary key.
  offering_id text REFERENCES runner_offerings ON DELETE RESTRICT,
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  job_count integer NOT NULL CHECK (job_count >= 0),
  minutes integer NOT NULL CHECK (minutes >= 0),
  amount numeric(20, 6) NOT NULL CHECK (amount >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT usage_daily_key UNIQUE NULLS NOT DISTINCT (workspace_id, day, offering_id, currency)
);
CREATE TRIGGER usage_daily_set_updated_at BEFORE UPDATE ON usage_daily
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
