// REST response bodies for the endpoints Hangar calls, typed by GitHub's
// OpenAPI description so the compiler checks the shape.
import type { components } from "@octokit/openapi-types";
import type { SimInstallation, SimJob, SimRepository, SimRun, SimRunner } from "../model.js";
import { derivedSha, legacyNodeId, resolveUrls, type GitHubUrls } from "../urls.js";
import { installation, repositoryFields } from "./accounts.js";
import { step } from "./workflow-job.js";

type Schemas = components["schemas"];

/** `GET /app/installations/{id}` and the entries of `GET /app/installations`. */
export function restInstallation(
  i: SimInstallation,
  urls?: Partial<GitHubUrls>,
): Schemas["installation"] {
  const { permissions, ...rest } = installation(i, resolveUrls(urls));
  // The model keeps permissions as plain name → level pairs; OpenAPI narrows
  // a few names to "write" only, which GitHub itself enforces on the App.
  return {
    ...rest,
    app_slug: i.appSlug,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    permissions: permissions as Schemas["app-permissions"],
  };
}

/** `GET /repos/{owner}/{repo}` and the entries of `GET /installation/repositories`. */
export function restRepository(
  r: SimRepository,
  urls?: Partial<GitHubUrls>,
): Schemas["repository"] {
  const { createdAt, pushedAt, ...fields } = repositoryFields(r, resolveUrls(urls));
  return { ...fields, created_at: createdAt, pushed_at: pushedAt };
}

/**
 * `GET /repos/{owner}/{repo}/actions/jobs/{job_id}`. Unlike webhooks, the REST
 * body reports the model's status as is (it is read, not an event), with the
 * same never-null `started_at` quirk.
 */
export function restWorkflowJob(
  job: SimJob,
  repo: SimRepository,
  urls?: Partial<GitHubUrls>,
): Schemas["job"] {
  const u = resolveUrls(urls);
  const api = `${u.apiBaseUrl}/repos/${repo.fullName}`;
  const queued = job.status === "queued" || job.status === "waiting";
  return {
    id: job.id,
    run_id: job.runId,
    run_url: `${api}/actions/runs/${job.runId}`,
    run_attempt: job.runAttempt,
    node_id: legacyNodeId("CheckRun", job.id),
    head_sha: job.headSha,
    url: `${api}/actions/jobs/${job.id}`,
    html_url: `${u.webBaseUrl}/${repo.fullName}/actions/runs/${job.runId}/job/${job.id}`,
    status: job.status,
    conclusion: job.status === "completed" ? job.conclusion : null,
    created_at: job.createdAt,
    started_at: job.startedAt ?? job.createdAt,
    completed_at: job.status === "completed" ? job.completedAt : null,
    name: job.name,
    steps: queued ? [] : job.steps.map(step),
    check_run_url: `${api}/check-runs/${job.id}`,
    labels: [...job.labels],
    runner_id: queued ? null : job.runnerId,
    runner_name: queued ? null : job.runnerName,
    runner_group_id: queued ? null : job.runnerGroupId,
    runner_group_name: queued ? null : job.runnerGroupName,
    workflow_name: job.workflowName,
    head_branch: job.headBranch,
  };
}

/**
 * `GET /repos/{owner}/{repo}/actions/runs/{run_id}`: the run's latest attempt. The
 * head commit is derived from the run (the simulator keeps no commit per run).
 */
export function restWorkflowRun(
  run: SimRun,
  repo: SimRepository,
  urls?: Partial<GitHubUrls>,
): Schemas["workflow-run"] {
  const u = resolveUrls(urls);
  const api = `${u.apiBaseUrl}/repos/${repo.fullName}/actions/runs/${run.id}`;
  const message = run.headCommitMessage ?? run.name;
  const author = run.headCommitAuthor ?? { name: repo.owner.login, email: "" };
  // minimal-repository types the license differently; a run's repository needs none.
  const { license: _license, ...repository } = restRepository(repo, u);
  return {
    id: run.id,
    name: run.name,
    node_id: legacyNodeId("WorkflowRun", run.id),
    check_suite_id: run.id,
    check_suite_node_id: legacyNodeId("CheckSuite", run.id),
    head_branch: run.headBranch,
    head_sha: run.headSha,
    path: run.workflowPath,
    display_title: run.displayTitle ?? message.split("\n")[0] ?? message,
    run_number: run.runNumber,
    run_attempt: run.runAttempt,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflowId,
    url: api,
    html_url: `${u.webBaseUrl}/${repo.fullName}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    run_started_at: run.runStartedAt,
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    check_suite_url: `${u.apiBaseUrl}/repos/${repo.fullName}/check-suites/${run.id}`,
    artifacts_url: `${api}/artifacts`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    previous_attempt_url: run.runAttempt > 1 ? `${api}/attempts/${run.runAttempt - 1}` : null,
    workflow_url: `${u.apiBaseUrl}/repos/${repo.fullName}/actions/workflows/${run.workflowId}`,
    head_commit: {
      id: run.headSha,
      tree_id: derivedSha(`tree:${run.headSha}`),
      message,
      timestamp: run.createdAt,
      author,
      committer: author,
    },
    repository,
    head_repository: repository,
  };
}

/** Labels GitHub adds to every self-hosted runner registered with defaults. */
const DEFAULT_RUNNER_LABELS = new Set(["self-hosted", "linux", "x64"]);

/**
 * `GET …/actions/runners/{id}`. Default labels are "read-only" (they cannot be
 * removed), everything the runner was registered with is "custom". Label ids
 * are stable per name, as GitHub's are within an organization.
 */
export function restRunner(r: SimRunner): Schemas["runner"] {
  return {
    id: r.id,
    runner_group_id: r.runnerGroupId,
    name: r.name,
    os: r.os,
    status: r.status,
    busy: r.busy,
    ephemeral: r.ephemeral,
    labels: r.labels.map((name) => ({
      id: labelId(name),
      name,
      type: DEFAULT_RUNNER_LABELS.has(name.toLowerCase()) ? "read-only" : "custom",
    })),
  };
}

/** FNV-1a over the lower-cased name: labels compare case-insensitively on GitHub. */
function labelId(name: string): number {
  let hash = 0x811c9dc5;
  for (const ch of name.toLowerCase()) {
    hash ^= ch.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % 1_000_000_000) + 1;
}
