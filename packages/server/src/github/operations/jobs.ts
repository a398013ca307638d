import type { components } from "@octokit/openapi-types";
import type { HangarOctokit } from "../request-pipeline.js";
import type { WorkflowJob } from "../types.js";
import { toId, toOptionalId } from "./convert.js";

// Jobs as GitHub sees them: the stale-job check compares these with what
// webhooks told Hangar, since webhooks can be lost.

type JobData = components["schemas"]["job"];

function mapJob(data: JobData): WorkflowJob {
  return {
    id: toId(data.id),
    runId: toId(data.run_id),
    runAttempt: data.run_attempt ?? 1,
    name: data.name,
    workflowName: data.workflow_name,
    status: data.status,
    conclusion: data.conclusion,
    labels: data.labels,
    headSha: data.head_sha,
    headBranch: data.head_branch,
    createdAt: data.created_at,
    // GitHub sends started_at even for queued jobs (= created_at); only a runner makes it real.
    startedAt:
      data.status === "in_progress" || data.status === "completed" ? data.started_at : null,
    completedAt: data.completed_at,
    // "" and 0 mean "no runner" as much as null does (see domain/routing.ts).
    runnerId: data.runner_id === 0 ? null : toOptionalId(data.runner_id),
    runnerName: data.runner_name === "" ? null : data.runner_name,
    runnerGroupId: toOptionalId(data.runner_group_id),
  };
}

export async function getJob(
  octokit: HangarOctokit,
  owner: string,
  repo: string,
  jobId: number,
): Promise<WorkflowJob> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/actions/jobs/{job_id}", {
    owner,
    repo,
    job_id: jobId,
  });
  return mapJob(data);
}

/**
 * The jobs of one attempt of a run; without `attempt`, of the latest attempt.
 * An earlier attempt is read as `filter=all` narrowed here rather than via
 * `/attempts/{n}/jobs`: one endpoint (one budget) serves both cases.
 */
export async function listRunJobs(
  octokit: HangarOctokit,
  owner: string,
  repo: string,
  runId: number,
  options: { attempt?: number } = {},
): Promise<WorkflowJob[]> {
  const jobs = await octokit.paginate("GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs", {
    owner,
    repo,
    run_id: runId,
    filter: options.attempt === undefined ? "latest" : "all",
    per_page: 100,
  });
  const mapped = jobs.map(mapJob);
  return options.attempt === undefined
    ? mapped
    : mapped.filter((job) => job.runAttempt === options.attempt);
}
