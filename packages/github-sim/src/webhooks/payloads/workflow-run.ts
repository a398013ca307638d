import type {
  Committer,
  Workflow,
  WorkflowRun,
  WorkflowRunCompletedEvent,
  WorkflowRunEvent,
  WorkflowRunInProgressEvent,
  WorkflowRunRequestedEvent,
} from "@octokit/webhooks-types";
import type { SimAccount, SimInstallation, SimRepository, SimRun } from "../model.js";
import { derivedSha, legacyNodeId, resolveUrls, type GitHubUrls } from "../urls.js";
import {
  installationLite,
  organizationOf,
  PayloadInputError,
  repository,
  repositoryLite,
  user,
} from "./accounts.js";

export type WorkflowRunAction = "requested" | "in_progress" | "completed";

export type WorkflowRunPayload<A extends WorkflowRunAction = WorkflowRunAction> = Extract<
  WorkflowRunEvent,
  { action: A }
>;

export interface WorkflowRunPayloadInput {
  run: SimRun;
  repository: SimRepository;
  installation: SimInstallation;
  sender: SimAccount;
}

/**
 * A `workflow_run` event. Like jobs, conclusion stays null until `completed`;
 * the run's own status is reported as the model holds it, because GitHub's
 * `requested` event can already say `queued`.
 */
export function workflowRunPayload<A extends WorkflowRunAction>(
  action: A,
  input: WorkflowRunPayloadInput,
  urls?: Partial<GitHubUrls>,
): WorkflowRunPayload<A> {
  const u = resolveUrls(urls);
  const { run } = input;
  const organization = organizationOf(input.repository, u);
  const common = {
    ...(organization ? { organization } : {}),
    installation: installationLite(input.installation),
    repository: repository(input.repository, u),
    sender: user(input.sender, u),
    workflow: workflow(run, input.repository, u),
  };
  const workflowRun = runFields(input, u);
  let event: WorkflowRunEvent;
  switch (action) {
    case "requested": {
      const requested: WorkflowRunRequestedEvent = {
        action: "requested",
        ...common,
        workflow_run: { ...workflowRun, conclusion: null },
      };
      event = requested;
      break;
    }
    case "in_progress": {
      const inProgress: WorkflowRunInProgressEvent = {
        action: "in_progress",
        ...common,
        workflow_run: { ...workflowRun, status: "in_progress", conclusion: null },
      };
      event = inProgress;
      break;
    }
    case "completed": {
      if (run.conclusion === null) {
        throw new PayloadInputError(`run ${run.id}: completed needs a conclusion`);
      }
      const completed: WorkflowRunCompletedEvent = {
        action: "completed",
        ...common,
        workflow_run: { ...workflowRun, status: "completed", conclusion: run.conclusion },
      };
      event = completed;
      break;
    }
    default:
      throw new PayloadInputError(`unknown workflow_run action ${String(action)}`);
  }
  return event as WorkflowRunPayload<A>;
}

function runFields(input: WorkflowRunPayloadInput, u: GitHubUrls): WorkflowRun {
  const { run } = input;
  const full = input.repository.fullName;
  const api = `${u.apiBaseUrl}/repos/${full}/actions/runs/${run.id}`;
  const message = run.headCommitMessage ?? run.name;
  const author: Committer = run.headCommitAuthor ?? {
    name: input.sender.login,
    email: `${input.sender.id}+${input.sender.login}@users.noreply.github.com`,
  };
  const repo = repositoryLite(input.repository, u);
  const actor = user(input.sender, u);
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
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflowId,
    url: api,
    html_url: `${u.webBaseUrl}/${full}/actions/runs/${run.id}`,
    pull_requests: [],
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    actor,
    triggering_actor: actor,
    run_attempt: run.runAttempt,
    referenced_workflows: [],
    run_started_at: run.runStartedAt,
    jobs_url: `${api}/jobs`,
    logs_url: `${api}/logs`,
    check_suite_url: `${u.apiBaseUrl}/repos/${full}/check-suites/${run.id}`,
    artifacts_url: `${api}/artifacts`,
    cancel_url: `${api}/cancel`,
    rerun_url: `${api}/rerun`,
    // GitHub links each re-run to the attempt before it.
    previous_attempt_url: run.runAttempt > 1 ? `${api}/attempts/${run.runAttempt - 1}` : null,
    workflow_url: `${u.apiBaseUrl}/repos/${full}/actions/workflows/${run.workflowId}`,
    head_commit: {
      id: run.headSha,
      tree_id: derivedSha(`tree:${run.headSha}`),
      message,
      timestamp: run.createdAt,
      author,
      committer: author,
    },
    repository: repo,
    head_repository: repo,
  };
}

function workflow(run: SimRun, repo: SimRepository, u: GitHubUrls): Workflow {
  const file = run.workflowPath.split("/").at(-1) ?? run.workflowPath;
  return {
    id: run.workflowId,
    node_id: legacyNodeId("Workflow", run.workflowId),
    name: run.name,
    path: run.workflowPath,
    state: "active",
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    url: `${u.apiBaseUrl}/repos/${repo.fullName}/actions/workflows/${run.workflowId}`,
    html_url: `${u.webBaseUrl}/${repo.fullName}/blob/${repo.defaultBranch}/${run.workflowPath}`,
    badge_url: `${u.webBaseUrl}/${repo.fullName}/workflows/${encodeURIComponent(file)}/badge.svg`,
  };
}
