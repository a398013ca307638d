-- ListJobs: a workspace's jobs newest first, paged by (github_created_at, github_job_id),
-- optionally for one runner configuration or one repository. Without these the newest
-- page meant sorting every job of the workspace (1.7 s with a million of them).
CREATE INDEX jobs_workspace_created_idx
  ON jobs (workspace_id, github_created_at DESC, github_job_id DESC);
CREATE INDEX jobs_runner_created_idx
  ON jobs (runner_id, github_created_at DESC, github_job_id DESC);
CREATE INDEX jobs_repository_created_idx
  ON jobs (github_repository_id, github_created_at DESC, github_job_id DESC);

-- GetRunnerMetrics: completed jobs of a workspace or runner in a time window, with what
-- the aggregate reads carried in the index, so a month of a busy workspace is an
-- index-only scan instead of a heap fetch per job.
DROP INDEX jobs_workspace_completed_idx;
CREATE INDEX jobs_workspace_completed_idx ON jobs (workspace_id, github_completed_at)
  INCLUDE (runner_id, github_repository_id, conclusion, queue_seconds, run_seconds)
  WHERE status = 'completed';
DROP INDEX jobs_runner_completed_idx;
CREATE INDEX jobs_runner_completed_idx ON jobs (runner_id, github_completed_at)
  INCLUDE (workspace_id, github_repository_id, conclusion, queue_seconds, run_seconds)
  WHERE status = 'completed';
