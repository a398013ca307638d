import { create } from "@bufbuild/protobuf";
import { DurationSchema, timestampFromDate, type Duration } from "@bufbuild/protobuf/wkt";
import { JobSchema, type Job } from "@hangar/api/job_service_pb.js";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../storage/schema.js";

// Jobs as the API reads them: the job row with its repository's name.

export function jobsQuery(db: Kysely<Database>) {
  return db
    .selectFrom("jobs as j")
    .innerJoin("repositories as r", "r.github_repository_id", "j.github_repository_id")
    .select([
      "j.github_job_id",
      "j.github_run_id",
      "j.run_attempt",
      "j.workspace_id",
      "j.installation_id",
      "j.runner_id",
      "j.runner_instance_id",
      "j.name",
      "j.workflow_name",
      "j.head_branch",
      "j.head_sha",
      "j.labels",
      "j.status",
      "j.conclusion",
      "j.runner_name",
      "j.github_created_at",
      "j.github_started_at",
      "j.github_completed_at",
      "j.queue_seconds",
      "j.run_seconds",
      "j.rerun_state",
      "j.rerun_message",
      "j.rerun_updated_at",
      "r.full_name as repository",
    ])
    .select(
      sql<string>`to_char(j.github_created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
        "cursor_time",
      ),
    );
}

export type JobRow = Awaited<ReturnType<ReturnType<typeof jobsQuery>["executeTakeFirstOrThrow"]>>;

function duration(seconds: number | null): Duration | undefined {
  if (seconds === null) return undefined;
  const whole = Math.floor(seconds);
  return create(DurationSchema, {
    seconds: BigInt(whole),
    nanos: Math.round((seconds - whole) * 1e9),
  });
}

export function toJob(row: JobRow): Job {
  const queue = duration(row.queue_seconds);
  const run = duration(row.run_seconds);
  return create(JobSchema, {
    id: row.github_job_id,
    runId: row.github_run_id,
    runAttempt: row.run_attempt,
    workspaceId: row.workspace_id,
    repository: row.repository,
    installationId: row.installation_id,
    name: row.name,
    workflowName: row.workflow_name ?? "",
    headBranch: row.head_branch ?? "",
    headSha: row.head_sha,
    labels: row.labels,
    status: row.status,
    conclusion: row.conclusion ?? "",
    runnerId: row.runner_id ?? "",
    runnerName: row.runner_name ?? "",
    createTime: timestampFromDate(row.github_created_at),
    ...(row.github_started_at ? { startTime: timestampFromDate(row.github_started_at) } : {}),
    ...(row.github_completed_at
      ? { completeTime: timestampFromDate(row.github_completed_at) }
      : {}),
    ...(queue ? { queueDuration: queue } : {}),
    ...(run ? { runDuration: run } : {}),
    htmlUrl: `https://github.com/${row.repository}/actions/runs/${row.github_run_id}/job/${row.github_job_id}`,
  });
}
