-- Workflow runs and jobs as GitHub reports them, every GitHub timestamp kept.
--
-- Neither table has a foreign key to the other: workflow_run and workflow_job events
-- arrive in no guaranteed order.

CREATE TABLE workflow_runs (
  github_run_id bigint NOT NULL,
  run_attempt integer NOT NULL CHECK (run_attempt >= 1),
  github_repository_id bigint NOT NULL REFERENCES repositories ON DELETE RESTRICT,
  installation_id bigint NOT NULL REFERENCES github_installations ON DELETE RESTRICT,
  -- NULL while the installation is not linked to a workspace.
  workspace_id uuid REFERENCES workspaces ON DELETE RESTRICT,
  github_workflow_id bigint,
  workflow_name text,
  head_sha text NOT NULL,
  head_branch text,
  event text NOT NULL,
  status text NOT NULL CHECK (status IN
    ('requested', 'queued', 'pending', 'waiting', 'in_progress', 'completed')),
  conclusion text CHECK (conclusion IN ('success', 'failure', 'cancelled', 'skipped',
    'timed_out', 'action_required', 'neutral', 'stale', 'startup_failure')),
  github_created_at timestamptz NOT NULL,
  -- run_started_at in the payload.
  github_started_at timestamptz,
  -- Writers apply an event only if its updated_at is not older than this: runs have no
  -- forward-only status order of their own (a re-run goes back to "queued").
  github_updated_at timestamptz NOT NULL,
  -- updated_at of the event that completed the run; GitHub sends no completed_at.
  github_completed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (github_run_id, run_attempt),
  CONSTRAINT workflow_runs_conclusion_only_when_completed
    CHECK (conclusion IS NULL OR status = 'completed'),
  CONSTRAINT workflow_runs_completed_has_completed_at
    CHECK (status <> 'completed' OR github_completed_at IS NOT NULL)
);
CREATE INDEX workflow_runs_repository_created_idx
  ON workflow_runs (github_repository_id, github_created_at);
CREATE INDEX workflow_runs_workspace_created_idx ON workflow_runs (workspace_id, github_created_at);
CREATE TRIGGER workflow_runs_set_updated_at BEFORE UPDATE ON workflow_runs
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The order of the forward-only job state machine (docs/architecture.md, "job"). A
-- function, not only a generated column, because BEFORE triggers cannot see generated
-- values of the new row.
CREATE FUNCTION job_status_rank(status text) RETURNS smallint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE status
  WHEN 'queued' THEN 1
  WHEN 'waiting' THEN 2
  WHEN 'in_progress' THEN 3
  WHEN 'completed' THEN 4
  -- Not NULL, so an unknown status fails jobs_status_check, which names the problem.
  ELSE 0
END;

CREATE TABLE jobs (
  -- workflow_job.id: the job workflow's business id and the idempotency key.
  github_job_id bigint PRIMARY KEY,
  github_run_id bigint NOT NULL,
  run_attempt integer NOT NULL CHECK (run_attempt >= 1),
  github_repository_id bigint NOT NULL REFERENCES repositories ON DELETE RESTRICT,
  installation_id bigint NOT NULL REFERENCES github_installations ON DELETE RESTRICT,
  -- Only jobs of installations linked to a workspace are recorded.
  workspace_id uuid NOT NULL REFERENCES workspaces ON DELETE RESTRICT,
  -- The configuration whose labels the job asked for, then the one whose instance ran it.
  runner_id uuid,
  runner_instance_id uuid,
  name text NOT NULL,
  workflow_name text,
  head_branch text,
  head_sha text NOT NULL,
  -- runs-on labels verbatim; compare with lower().
  labels text[] NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'waiting', 'in_progress', 'completed')),
  -- Lets a writer apply an event only when it moves the job forward:
  -- UPDATE ... WHERE status_rank < job_status_rank(:new_status).
  status_rank smallint NOT NULL GENERATED ALWAYS AS (job_status_rank(status)) STORED,
  conclusion text CHECK (conclusion IN ('success', 'failure', 'cancelled', 'skipped',
    'timed_out', 'action_required', 'neutral', 'stale', 'startup_failure')),
  github_created_at timestamptz NOT NULL,
  github_started_at timestamptz,
  github_completed_at timestamptz,
  -- Fractional seconds: GitHub sends whole seconds, the simulator need not.
  queue_seconds double precision
    GENERATED ALWAYS AS (extract(epoch FROM github_started_at - github_created_at)) STORED,
  run_seconds double precision
    GENERATED ALWAYS AS (extract(epoch FROM github_completed_at - github_started_at)) STORED,
  runner_name text,
  github_runner_id bigint,
  runner_group_id bigint,
  runner_group_name text,
  -- When Hangar last applied an event to this job; drives the stale-job check.
  last_event_at timestamptz NOT NULL DEFAULT now(),
  stale_checked_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT jobs_runner_fkey FOREIGN KEY (runner_id, workspace_id)
    REFERENCES runners (id, workspace_id) ON DELETE RESTRICT,
  -- Instances are operational records that retention may prune; the job outlives them.
  CONSTRAINT jobs_runner_instance_fkey FOREIGN KEY (runner_instance_id, workspace_id)
    REFERENCES runner_instances (id, workspace_id) ON DELETE SET NULL (runner_instance_id),
  CONSTRAINT jobs_completed_has_completed_at
    CHECK (status <> 'completed' OR github_completed_at IS NOT NULL),
  CONSTRAINT jobs_conclusion_only_when_completed
    CHECK (conclusion IS NULL OR status = 'completed'),
  -- >=, not >: GitHub sends equal timestamps (skipped jobs, fast cancellations).
  CONSTRAINT jobs_started_not_before_created CHECK (github_started_at >= github_created_at),
  CONSTRAINT jobs_completed_not_before_started
    CHECK (github_completed_at >= github_started_at)
);
-- GetRunnerMetrics: completed jobs of a workspace, runner or repository in a window.
CREATE INDEX jobs_workspace_completed_idx ON jobs (workspace_id, github_completed_at)
  WHERE status = 'completed';
CREATE INDEX jobs_runner_completed_idx ON jobs (runner_id, github_completed_at)
  WHERE status = 'completed';
CREATE INDEX jobs_repository_completed_idx ON jobs (github_repository_id, github_completed_at)
  WHERE status = 'completed';
CREATE INDEX jobs_run_idx ON jobs (github_run_id, run_attempt);
-- Stale-job reconciler: unfinished jobs, oldest first.
CREATE INDEX jobs_unfinished_idx ON jobs (last_event_at) WHERE status <> 'completed';
CREATE INDEX jobs_runner_instance_id_idx ON jobs (runner_instance_id);
CREATE TRIGGER jobs_set_updated_at BEFORE UPDATE ON jobs
  FOR EACH ROW EXECUTE FUNCTION set_updated_at('status_rank', 'queue_seconds', 'run_seconds');

-- The forward-only rule as a last line of defence: a writer that forgets the status_rank
-- guard gets an error instead of silently moving a job backwards.
CREATE FUNCTION jobs_forbid_backward_status() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- Rank 0 (unknown status) is left for jobs_status_check to report.
  IF job_status_rank(NEW.status) BETWEEN 1 AND job_status_rank(OLD.status) - 1 THEN
    RAISE EXCEPTION 'job % cannot move back from % to %', OLD.github_job_id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'jobs_status_forward_only',
        TABLE = 'jobs';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER jobs_status_forward_only BEFORE UPDATE OF status ON jobs
  FOR EACH ROW EXECUTE FUNCTION jobs_forbid_backward_status();
