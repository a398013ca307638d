import type { GeneratedAlways } from "kysely";
import type { Timestamp, CreatedAt, UpdatedAt, Int8, Numeric, CalendarDate } from "./columns.js";

// Workflow runs, jobs and the usage ledger.

/** GitHub's conclusions of jobs and runs: what the conclusion CHECK constraints accept. */
export const conclusions = [
  "success",
  "failure",
  "cancelled",
  "skipped",
  "timed_out",
  "action_required",
  "neutral",
  "stale",
  "startup_failure",
] as const;
export type Conclusion = (typeof conclusions)[number];

/** GitHub's conclusion as stored, or null for one the schema does not know (yet). */
export function asConclusion(value: string | null): Conclusion | null {
  return conclusions.find((c) => c === value) ?? null;
}

export interface WorkflowRunsTable {
  github_run_id: Int8;
  run_attempt: number;
  github_repository_id: Int8;
  installation_id: Int8;
  workspace_id: string | null;
  github_workflow_id: Int8 | null;
  workflow_name: string | null;
  head_sha: string;
  head_branch: string | null;
  event: string;
  status: "requested" | "queued" | "pending" | "waiting" | "in_progress" | "completed";
  conclusion: Conclusion | null;
  github_created_at: Timestamp;
  github_started_at: Timestamp | null;
  github_updated_at: Timestamp;
  github_completed_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** In forward-only order; see job_status_rank() in 0004_jobs.sql. */
export type JobStatus = "queued" | "waiting" | "in_progress" | "completed";

export interface JobsTable {
  github_job_id: Int8;
  github_run_id: Int8;
  run_attempt: number;
  github_repository_id: Int8;
  installation_id: Int8;
  workspace_id: string;
  runner_id: string | null;
  runner_instance_id: string | null;
  name: string;
  workflow_name: string | null;
  head_branch: string | null;
  head_sha: string;
  labels: string[];
  status: JobStatus;
  status_rank: GeneratedAlways<number>;
  conclusion: Conclusion | null;
  github_created_at: Timestamp;
  github_started_at: Timestamp | null;
  github_completed_at: Timestamp | null;
  queue_seconds: GeneratedAlways<number | null>;
  run_seconds: GeneratedAlways<number | null>;
  runner_name: string | null;
  github_runner_id: Int8 | null;
  runner_group_id: Int8 | null;
  runner_group_name: string | null;
  last_event_at: CreatedAt;
  stale_checked_at: Timestamp | null;
  rerun_state: JobRerunState | null;
  rerun_message: string | null;
  rerun_updated_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** What became of a job lost to a disrupted pod (0009_prewarm_reruns.sql). */
export type JobRerunState = "waiting" | "requested" | "superseded" | "declined";

export interface UsageEventsTable {
  github_job_id: Int8;
  workspace_id: string;
  project_id: string;
  runner_id: string;
  offering_id: string | null;
  github_repository_id: Int8;
  billable_minutes: number;
  billable_seconds: number;
  unit_price: Numeric;
  amount: Numeric;
  currency: string;
  occurred_at: Timestamp;
  created_at: CreatedAt;
}

export interface UsageDailyTable {
  id: GeneratedAlways<bigint>;
  workspace_id: string;
  day: CalendarDate;
  offering_id: string | null;
  currency: string;
  job_count: number;
  minutes: number;
  seconds: Int8;
  amount: Numeric;
  updated_at: UpdatedAt;
}
