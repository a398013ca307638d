// The parts of GitHub's webhook payloads that Hangar uses, after the intake has
// validated them. Everything else in a payload is dropped at the edge, so workflows
// only ever see these shapes. Ids are numbers: GitHub's fit in a double (2^53).

/** Actions Hangar acts on, per event; any other action is recorded and ignored. */
export const handledActions = {
  installation: ["created", "deleted", "suspend", "unsuspend", "new_permissions_accepted"],
  installation_repositories: ["added", "removed"],
  workflow_job: ["queued", "waiting", "in_progress", "completed"],
  workflow_run: ["requested", "in_progress", "completed"],
} as const;

export type InstallationAction = (typeof handledActions.installation)[number];
export type InstallationRepositoriesAction =
  (typeof handledActions.installation_repositories)[number];
export type WorkflowJobAction = (typeof handledActions.workflow_job)[number];
export type WorkflowRunAction = (typeof handledActions.workflow_run)[number];

export interface RepositoryRef {
  id: number;
  name: string;
  full_name: string;
  private: boolean;
}

export interface InstallationPayload {
  installation: {
    id: number;
    account: { id: number; login: string; type: string };
    repository_selection: string | null;
  };
  /** Only on `created`: the repositories granted at install time. */
  repositories: RepositoryRef[];
}

export interface InstallationRepositoriesPayload {
  installation: { id: number };
  repository_selection: string | null;
  repositories_added: RepositoryRef[];
  repositories_removed: RepositoryRef[];
}

export interface RepositoryOwnerRef {
  id: number;
  full_name: string;
  owner: { login: string };
}

export interface WorkflowJobPayload {
  workflow_job: {
    id: number;
    run_id: number;
    run_attempt: number;
    name: string;
    workflow_name: string | null;
    head_branch: string | null;
    head_sha: string;
    labels: string[];
    status: string;
    conclusion: string | null;
    created_at: string;
    started_at: string | null;
    completed_at: string | null;
    runner_id: number | null;
    runner_name: string | null;
    runner_group_id: number | null;
    runner_group_name: string | null;
  };
  repository: RepositoryOwnerRef;
  installation: { id: number };
  /** Present when the job targets an environment, which may need an approval first. */
  has_deployment: boolean;
}

export interface WorkflowRunPayload {
  workflow_run: {
    id: number;
    run_attempt: number;
    name: string | null;
    workflow_id: number;
    event: string;
    status: string | null;
    conclusion: string | null;
    head_branch: string | null;
    head_sha: string;
    created_at: string;
    updated_at: string;
    run_started_at: string | null;
  };
  repository: RepositoryOwnerRef;
  installation: { id: number };
}

export interface PushCommitPaths {
  added: string[];
  modified: string[];
  removed: string[];
}

export interface PushPayload {
  ref: string;
  after: string;
  repository: RepositoryOwnerRef;
  installation: { id: number };
  commits: PushCommitPaths[];
}

/** A delivery whose event and action Hangar handles, narrowed to the fields it uses. */
export type WebhookEvent =
  | { event: "installation"; action: InstallationAction; payload: InstallationPayload }
  | {
      event: "installation_repositories";
      action: InstallationRepositoriesAction;
      payload: InstallationRepositoriesPayload;
    }
  | { event: "workflow_job"; action: WorkflowJobAction; payload: WorkflowJobPayload }
  | { event: "workflow_run"; action: WorkflowRunAction; payload: WorkflowRunPayload }
  | { event: "push"; action: null; payload: PushPayload }
  | { event: "ping"; action: null; payload: null };

export type HandledEventName = WebhookEvent["event"];
