import type { JsonValue } from "./json.js";
import type {
  InstallArgs,
  InstallationIdArgs,
  JobEventArgs,
  RepositoriesChangedArgs,
  RepositoryArgs,
  RepositoryOwnerArgs,
  RunEventArgs,
  WorkflowFilesPushArgs,
} from "./signal-args.js";
import {
  handledActions,
  type HandledEventName,
  type InstallationAction,
  type InstallationPayload,
  type InstallationRepositoriesAction,
  type InstallationRepositoriesPayload,
  type PushPayload,
  type RepositoryOwnerRef,
  type RepositoryRef,
  type WebhookEvent,
  type WorkflowJobPayload,
  type WorkflowRunPayload,
} from "./webhook-events.js";
import {
  installationSignals,
  jobSignals,
  runSignals,
  workflowFilesSignals,
  workflowIds,
  workflowTypes,
} from "./workflow-names.js";

// Which Temporal signals a webhook delivery becomes. Pure: the intake stores the
// decision (outbox rows) in the transaction that records the delivery.

export interface OutboxSignal {
  workflowId: string;
  workflowType: string;
  signalName: string;
  args: JsonValue;
}

export type RouteDecision =
  { kind: "signal"; signals: OutboxSignal[] } | { kind: "ignored"; reason: string };

export type EventClassification =
  { kind: "handled"; event: HandledEventName } | { kind: "ignored"; reason: string };

const eventsWithActions = Object.keys(handledActions) as (keyof typeof handledActions)[];

function isEventWithActions(event: string): event is keyof typeof handledActions {
  return (eventsWithActions as string[]).includes(event);
}

/**
 * Decides from the event name and action alone whether a delivery is worth parsing.
 * Unknown events and actions are normal (GitHub adds actions over time): the intake
 * records them as ignored without validating their payload.
 */
export function classifyEvent(event: string, action: string | null): EventClassification {
  if (event === "push" || event === "ping") return { kind: "handled", event };
  if (!isEventWithActions(event)) return { kind: "ignored", reason: `event ${event} not handled` };
  const actions: readonly string[] = handledActions[event];
  if (action === null) return { kind: "ignored", reason: `${event} without an action` };
  if (!actions.includes(action)) {
    return { kind: "ignored", reason: `${event}.${action} not handled` };
  }
  return { kind: "handled", event };
}

export function routeEvent(input: WebhookEvent): RouteDecision {
  switch (input.event) {
    case "installation":
      return signal(installationSignal(input.action, input.payload));
    case "installation_repositories":
      return signal(repositoriesSignal(input.action, input.payload));
    case "workflow_job":
      return signal(jobSignal(input.action, input.payload));
    case "workflow_run":
      return signal(runSignal(input.action, input.payload));
    case "push":
      return pushDecision(input.payload);
    case "ping":
      return { kind: "ignored", reason: "ping" };
    default:
      return unreachable(input);
  }
}

function signal(one: OutboxSignal): RouteDecision {
  return { kind: "signal", signals: [one] };
}

function unreachable(value: never): never {
  throw new TypeError(`unhandled webhook event ${JSON.stringify(value)}`);
}

function installationSignal(
  action: InstallationAction,
  payload: InstallationPayload,
): OutboxSignal {
  const installationId = payload.installation.id;
  const to = (signalName: string, args: InstallArgs | InstallationIdArgs): OutboxSignal => ({
    workflowId: workflowIds.installation(installationId),
    workflowType: workflowTypes.installation,
    signalName,
    args,
  });
  const idOnly: InstallationIdArgs = { installationId };
  switch (action) {
    case "created":
      return to(installationSignals.install, {
        installationId,
        account: { ...payload.installation.account },
        repositorySelection: payload.installation.repository_selection,
        repositories: payload.repositories.map(repositoryArgs),
      });
    case "deleted":
      return to(installationSignals.uninstall, idOnly);
    case "suspend":
      return to(installationSignals.suspend, idOnly);
    case "unsuspend":
      return to(installationSignals.unsuspend, idOnly);
    case "new_permissions_accepted":
      return to(installationSignals.permissionsAccepted, idOnly);
    default:
      return unreachable(action);
  }
}

function repositoriesSignal(
  action: InstallationRepositoriesAction,
  payload: InstallationRepositoriesPayload,
): OutboxSignal {
  const installationId = payload.installation.id;
  const args = (repositories: RepositoryRef[]): RepositoriesChangedArgs => ({
    installationId,
    repositorySelection: payload.repository_selection,
    repositories: repositories.map(repositoryArgs),
  });
  const base = {
    workflowId: workflowIds.installation(installationId),
    workflowType: workflowTypes.installation,
  };
  switch (action) {
    case "added":
      return {
        ...base,
        signalName: installationSignals.addRepositories,
        args: args(payload.repositories_added),
      };
    case "removed":
      return {
        ...base,
        signalName: installationSignals.removeRepositories,
        args: args(payload.repositories_removed),
      };
    default:
      return unreachable(action);
  }
}

function jobSignal(action: JobEventArgs["action"], payload: WorkflowJobPayload): OutboxSignal {
  const job = payload.workflow_job;
  const args: JobEventArgs = {
    action,
    id: job.id,
    runId: job.run_id,
    runAttempt: job.run_attempt,
    name: job.name,
    workflowName: job.workflow_name,
    headBranch: job.head_branch,
    headSha: job.head_sha,
    labels: [...job.labels],
    status: job.status,
    conclusion: job.conclusion,
    createdAt: job.created_at,
    startedAt: job.started_at,
    completedAt: job.completed_at,
    // GitHub has been seen to send 0 and "" for "no runner"; only null means that here,
    // because a runner name decides whether a job is billed.
    runnerId: job.runner_id === 0 ? null : job.runner_id,
    runnerName: job.runner_name === "" ? null : job.runner_name,
    runnerGroupId: job.runner_group_id,
    runnerGroupName: job.runner_group_name,
    repository: ownerArgs(payload.repository),
    installationId: payload.installation.id,
    hasDeployment: payload.has_deployment,
  };
  return {
    workflowId: workflowIds.job(job.id),
    workflowType: workflowTypes.job,
    signalName: jobSignals.jobEvent,
    args,
  };
}

function runSignal(action: RunEventArgs["action"], payload: WorkflowRunPayload): OutboxSignal {
  const run = payload.workflow_run;
  const args: RunEventArgs = {
    action,
    id: run.id,
    runAttempt: run.run_attempt,
    name: run.name,
    workflowId: run.workflow_id,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    headBranch: run.head_branch,
    headSha: run.head_sha,
    createdAt: run.created_at,
    updatedAt: run.updated_at,
    runStartedAt: run.run_started_at,
    repository: ownerArgs(payload.repository),
    installationId: payload.installation.id,
  };
  return {
    workflowId: workflowIds.run(run.id, run.run_attempt),
    workflowType: workflowTypes.run,
    signalName: runSignals.runEvent,
    args,
  };
}

const WORKFLOWS_DIR = ".github/workflows/";

/** Only pushes that change workflow files matter: they may change which labels jobs ask for. */
function pushDecision(payload: PushPayload): RouteDecision {
  const changed = new Set<string>();
  for (const commit of payload.commits) {
    for (const path of [...commit.added, ...commit.modified, ...commit.removed]) {
      if (path.startsWith(WORKFLOWS_DIR)) changed.add(path);
    }
  }
  if (changed.size === 0) return { kind: "ignored", reason: "push changes no workflow files" };
  const args: WorkflowFilesPushArgs = {
    repository: ownerArgs(payload.repository),
    installationId: payload.installation.id,
    ref: payload.ref,
    after: payload.after,
    changedPaths: [...changed].sort(),
  };
  return signal({
    workflowId: workflowIds.workflowFiles(payload.repository.id),
    workflowType: workflowTypes.workflowFiles,
    signalName: workflowFilesSignals.push,
    args,
  });
}

function repositoryArgs(repository: RepositoryRef): RepositoryArgs {
  return {
    id: repository.id,
    name: repository.name,
    fullName: repository.full_name,
    private: repository.private,
  };
}

function ownerArgs(repository: RepositoryOwnerRef): RepositoryOwnerArgs {
  return { id: repository.id, fullName: repository.full_name, ownerLogin: repository.owner.login };
}
