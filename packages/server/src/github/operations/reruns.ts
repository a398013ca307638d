import type { components } from "@octokit/openapi-types";
import { GitHubAuthError, GitHubNotFoundError } from "../errors.js";
import type { HangarOctokit } from "../request-pipeline.js";
import type { RerunJobResult, WorkflowRunSummary } from "../types.js";
import { toId } from "./convert.js";

// Re-running a job, for jobs lost when Kubernetes took their runner away. GitHub
// re-runs the job and every job that depends on it as a new attempt of the run, and
// only once the whole run has completed: until then it answers 403 ("This workflow is
// already running"), which is an ordinary state here, not an error.

type RunData = components["schemas"]["workflow-run"];

function mapRun(data: RunData): WorkflowRunSummary {
  return {
    id: toId(data.id),
    runAttempt: data.run_attempt ?? 1,
    status: data.status,
    conclusion: data.conclusion,
  };
}

/** The run's latest attempt. */
export async function getRun(
  octokit: HangarOctokit,
  owner: string,
  repo: string,
  runId: number,
): Promise<WorkflowRunSummary> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}", {
    owner,
    repo,
    run_id: runId,
  });
  return mapRun(data);
}

const STILL_RUNNING = /already running/i;

/**
 * `POST …/actions/jobs/{job_id}/rerun` (201). Refusals come back as values: the run has
 * not completed yet (try again later), or GitHub will not re-run the job at all (no
 * such job, the App lacks `actions: write`, too many attempts, a run too old).
 */
export async function rerunJob(
  octokit: HangarOctokit,
  owner: string,
  repo: string,
  jobId: number,
  options: { enableDebugLogging?: boolean } = {},
): Promise<RerunJobResult> {
  try {
    await octokit.request("POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun", {
      owner,
      repo,
      job_id: jobId,
      ...(options.enableDebugLogging === undefined
        ? {}
        : { enable_debug_logging: options.enableDebugLogging }),
    });
    return { kind: "rerun" };
  } catch (error) {
    if (error instanceof GitHubAuthError && error.status === 403) {
      return STILL_RUNNING.test(error.message)
        ? { kind: "run-in-progress" }
        : { kind: "refused", message: error.message };
    }
    if (error instanceof GitHubNotFoundError) return { kind: "refused", message: error.message };
    throw error;
  }
}
