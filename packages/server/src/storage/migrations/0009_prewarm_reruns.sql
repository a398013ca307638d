-- Pre-warming from workflow-file analysis, and re-running jobs lost to preemption.

-- What each analysed repository's workflow files will ask for, job by job: the literal
-- runs-on label sets (lowercased, sorted) with how many jobs ask for each, e.g.
-- [{"labels": ["hangar-4cpu", "self-hosted"], "jobs": 3}]. Jobs whose labels are only
-- known at run time (expressions) are not in it. Written with workflow_labels.
ALTER TABLE repositories
  ADD COLUMN workflow_jobs jsonb NOT NULL DEFAULT '[]'
    CONSTRAINT repositories_workflow_jobs_is_array CHECK (jsonb_typeof(workflow_jobs) = 'array');

-- A configuration that opts in keeps as many idle runners as the analysed workflow files
-- of its repositories have jobs for it, at most this many (and never fewer than
-- min_idle). NULL: no pre-warming.
ALTER TABLE runners
  ADD COLUMN prewarm_max_idle integer
    CONSTRAINT runners_prewarm_max_idle_check CHECK (prewarm_max_idle BETWEEN 1 AND 10000);

-- Whether a job lost because Kubernetes disrupted its runner's pod (preemption, node
-- shutdown, eviction, the node gone) is re-run through GitHub's API. NULL follows
-- spot: spot capacity is reclaimed without warning, so its jobs are re-run by default.
ALTER TABLE runner_offerings ADD COLUMN rerun_on_preemption boolean;

-- Why Kubernetes ended an instance's pod when it was disrupted rather than deleted or
-- exited (a DisruptionTarget condition's reason, a node shutdown, the node gone); NULL
-- otherwise. A job the instance lost is re-run only after such a disruption.
ALTER TABLE runner_instances ADD COLUMN disruption text;

-- What became of a job lost to a disrupted pod: waiting (GitHub re-runs a job only once
-- its whole run has completed), requested (GitHub accepted the re-run; the new attempt's
-- job has a record of its own), superseded (the run was re-run by someone else first),
-- declined (not re-run; rerun_message says why).
ALTER TABLE jobs
  ADD COLUMN rerun_state text
    CONSTRAINT jobs_rerun_state_check
      CHECK (rerun_state IN ('waiting', 'requested', 'superseded', 'declined')),
  ADD COLUMN rerun_message text,
  ADD COLUMN rerun_updated_at timestamptz,
  ADD CONSTRAINT jobs_rerun_state_has_time
    CHECK ((rerun_state IS NULL) = (rerun_updated_at IS NULL));

-- The runner pools look for jobs waiting to be re-run on every evaluation.
CREATE INDEX jobs_rerun_waiting_idx ON jobs (runner_instance_id) WHERE rerun_state = 'waiting';
