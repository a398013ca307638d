import type {
  Deployment,
  WorkflowJob,
  WorkflowJobCompletedEvent,
  WorkflowJobInProgressEvent,
  WorkflowJobQueuedEvent,
  WorkflowJobWaitingEvent,
  WorkflowStepCompleted,
  WorkflowStepInProgress,
  WorkflowStepQueued,
} from "@octokit/webhooks-types";
import type {
  SimAccount,
  SimConclusion,
  SimDeployment,
  SimInstallation,
  SimJob,
  SimRepository,
  SimStep,
} from "../model.js";
import { legacyNodeId, resolveUrls, type GitHubUrls } from "../urls.js";
import {
  installationLite,
  organizationOf,
  PayloadInputError,
  repository,
  user,
} from "./accounts.js";

export type WorkflowJobAction = "queued" | "waiting" | "in_progress" | "completed";

/**
 * GitHub documents more job conclusions (timed_out, action_required, neutral)
 * than @octokit/webhooks-types allows, so conclusions are widened to the
 * model's set; every other field keeps octokit's type.
 */
export type JobStep =
  | WorkflowStepQueued
  | WorkflowStepInProgress
  | (Omit<WorkflowStepCompleted, "conclusion"> & { conclusion: SimConclusion });

type Widened<E extends { workflow_job: WorkflowJob }, C> = Omit<E, "workflow_job"> & {
  workflow_job: Omit<E["workflow_job"], "conclusion" | "steps"> & {
    conclusion: C;
    steps: JobStep[];
  };
};

export interface WorkflowJobPayloads {
  queued: Widened<WorkflowJobQueuedEvent, null>;
  waiting: Widened<WorkflowJobWaitingEvent, null>;
  in_progress: Widened<WorkflowJobInProgressEvent, null>;
  completed: Widened<WorkflowJobCompletedEvent, SimConclusion>;
}

export interface WorkflowJobPayloadInput {
  job: SimJob;
  repository: SimRepository;
  installation: SimInstallation;
  sender: SimAccount;
  /** Present when the job targets an environment (and so may wait for approval). */
  deployment?: SimDeployment;
}

/**
 * A `workflow_job` event. The action decides the reported status, and what
 * GitHub leaves empty at that stage is emptied whatever the model holds:
 * - queued/waiting: runner_* fields null, steps empty;
 * - conclusion and completed_at stay null until `completed`;
 * - `started_at` is never null: on queued and waiting GitHub reports the
 *   creation time there (a quirk: queue time is measured from in_progress's
 *   `started_at`, never from the queued event's).
 */
export function workflowJobPayload<A extends WorkflowJobAction>(
  action: A,
  input: WorkflowJobPayloadInput,
  urls?: Partial<GitHubUrls>,
): WorkflowJobPayloads[A] {
  const u = resolveUrls(urls);
  const { job } = input;
  const base = jobFields(job, input.repository, u);
  const envelope = {
    ...withOrganization(input.repository, u),
    installation: installationLite(input.installation),
    repository: repository(input.repository, u),
    sender: user(input.sender, u),
    ...(input.deployment ? { deployment: deployment(input, input.deployment, u) } : {}),
  };
  const unassigned = {
    runner_id: null,
    runner_name: null,
    runner_group_id: null,
    runner_group_name: null,
  };
  const payloads = {
    queued: (): WorkflowJobPayloads["queued"] => ({
      action: "queued",
      ...envelope,
      workflow_job: { ...base, ...unassigned, status: "queued", started_at: job.createdAt },
    }),
    waiting: (): WorkflowJobPayloads["waiting"] => ({
      action: "waiting",
      ...envelope,
      workflow_job: { ...base, ...unassigned, status: "waiting", started_at: job.createdAt },
    }),
    in_progress: (): WorkflowJobPayloads["in_progress"] => ({
      action: "in_progress",
      ...envelope,
      workflow_job: { ...base, status: "in_progress", steps: job.steps.map(step) },
    }),
    completed: (): WorkflowJobPayloads["completed"] => {
      if (job.conclusion === null) {
        throw new PayloadInputError(`job ${job.id}: completed needs a conclusion`);
      }
      return {
        action: "completed",
        ...envelope,
        workflow_job: {
          ...base,
          status: "completed",
          conclusion: job.conclusion,
          completed_at: job.completedAt ?? job.startedAt ?? job.createdAt,
          steps: job.steps.map(step),
        },
      };
    },
  } satisfies { [K in WorkflowJobAction]: () => WorkflowJobPayloads[K] };
  // Each builder above is checked against its own action's type; TypeScript
  // cannot correlate the lookup with A, hence the narrowing cast.
  return payloads[action]() as WorkflowJobPayloads[A];
}

/** The fields every action shares, in their not-yet-completed state. */
function jobFields(job: SimJob, repo: SimRepository, u: GitHubUrls) {
  const api = `${u.apiBaseUrl}/repos/${repo.fullName}`;
  return {
    id: job.id,
    run_id: job.runId,
    workflow_name: job.workflowName,
    head_branch: job.headBranch,
    run_url: `${api}/actions/runs/${job.runId}`,
    run_attempt: job.runAttempt,
    node_id: legacyNodeId("CheckRun", job.id),
    head_sha: job.headSha,
    url: `${api}/actions/jobs/${job.id}`,
    html_url: `${u.webBaseUrl}/${repo.fullName}/actions/runs/${job.runId}/job/${job.id}`,
    conclusion: null,
    created_at: job.createdAt,
    started_at: job.startedAt ?? job.createdAt,
    completed_at: null,
    name: job.name,
    steps: [] as JobStep[],
    check_run_url: `${api}/check-runs/${job.id}`,
    labels: [...job.labels],
    runner_id: job.runnerId,
    runner_name: job.runnerName,
    runner_group_id: job.runnerGroupId,
    runner_group_name: job.runnerGroupName,
  };
}

/** A model step in GitHub's step shape; a started step without its times is a caller bug. */
export function step(s: SimStep): JobStep {
  const common = { name: s.name, number: s.number };
  switch (s.status) {
    case "queued":
      return {
        ...common,
        status: "queued",
        conclusion: null,
        started_at: null,
        completed_at: null,
      };
    case "in_progress":
      if (s.startedAt === null) {
        throw new PayloadInputError(`step ${s.number}: in_progress needs startedAt`);
      }
      return {
        ...common,
        status: "in_progress",
        conclusion: null,
        started_at: s.startedAt,
        completed_at: null,
      };
    case "completed": {
      // Skipped steps never start; GitHub reports their completion time for both.
      const startedAt = s.startedAt ?? s.completedAt;
      if (startedAt === null || s.conclusion === null) {
        throw new PayloadInputError(`step ${s.number}: completed needs a time and a conclusion`);
      }
      return {
        ...common,
        status: "completed",
        conclusion: s.conclusion,
        started_at: startedAt,
        completed_at: s.completedAt ?? startedAt,
      };
    }
    default:
      return s.status satisfies never;
  }
}

function withOrganization(repo: SimRepository, u: GitHubUrls) {
  const organization = organizationOf(repo, u);
  return organization ? { organization } : {};
}

function deployment(input: WorkflowJobPayloadInput, d: SimDeployment, u: GitHubUrls): Deployment {
  const api = `${u.apiBaseUrl}/repos/${input.repository.fullName}`;
  return {
    url: `${api}/deployments/${d.id}`,
    id: d.id,
    node_id: legacyNodeId("Deployment", d.id),
    sha: input.job.headSha,
    ref: input.job.headBranch,
    task: "deploy",
    payload: {},
    original_environment: d.environment,
    environment: d.environment,
    description: null,
    creator: user(input.sender, u),
    created_at: d.createdAt,
    updated_at: d.createdAt,
    statuses_url: `${api}/deployments/${d.id}/statuses`,
    repository_url: api,
  };
}
