// The simulator's plain model, shared with the simulator state. Payload
// builders turn these into GitHub's wire shapes; nothing here knows about JSON
// field names. Optional fields let the simulator be more specific; every
// timestamp is an ISO 8601 string chosen by the caller (builders read no clock).

export interface SimAccount {
  login: string;
  id: number;
  type: "Organization" | "User";
}

export interface SimRepository {
  id: number;
  name: string;
  fullName: string;
  owner: SimAccount;
  private: boolean;
  defaultBranch: string;
  createdAt?: string;
  updatedAt?: string;
  pushedAt?: string | null;
}

/** Permission levels as GitHub names them, e.g. `{ actions: "read" }`. */
export type SimPermissions = Record<string, "read" | "write">;

export interface SimInstallation {
  id: number;
  account: SimAccount;
  appId: number;
  appSlug: string;
  repositorySelection: "all" | "selected";
  suspendedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Who suspended it; the suspend event's sender when absent. */
  suspendedBy?: SimAccount | null;
  /** Defaults to what Hangar's App asks for (see FIELD-NOTES.md). */
  permissions?: SimPermissions;
  /** Subscribed events; defaults to workflow_job, workflow_run and push. */
  events?: string[];
}

export type SimJobStatus = "queued" | "waiting" | "in_progress" | "completed";

export type SimConclusion =
  "success" | "failure" | "cancelled" | "skipped" | "timed_out" | "action_required" | "neutral";

export interface SimStep {
  name: string;
  number: number;
  status: "queued" | "in_progress" | "completed";
  conclusion: SimConclusion | null;
  startedAt: string | null;
  completedAt: string | null;
}

export interface SimJob {
  id: number;
  runId: number;
  runAttempt: number;
  name: string;
  workflowName: string;
  headBranch: string;
  headSha: string;
  labels: string[];
  status: SimJobStatus;
  conclusion: SimConclusion | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  runnerId: number | null;
  runnerName: string | null;
  runnerGroupId: number | null;
  runnerGroupName: string | null;
  steps: SimStep[];
}

export interface SimRun {
  id: number;
  runAttempt: number;
  runNumber: number;
  name: string;
  workflowId: number;
  workflowPath: string;
  headBranch: string;
  headSha: string;
  event: string;
  status: "requested" | "queued" | "in_progress" | "completed" | "waiting";
  conclusion: SimConclusion | null;
  createdAt: string;
  updatedAt: string;
  runStartedAt: string;
  /** The commit message's first line when absent, as GitHub shows for push runs. */
  displayTitle?: string;
  headCommitMessage?: string;
  headCommitAuthor?: { name: string; email: string };
}

export interface SimRunner {
  id: number;
  name: string;
  os: "linux";
  labels: string[];
  status: "online" | "offline";
  busy: boolean;
  ephemeral: boolean;
  runnerGroupId: number;
}

export interface SimCommit {
  id: string;
  message: string;
  timestamp: string;
  added: string[];
  modified: string[];
  removed: string[];
  /** Defaults to the pusher. */
  author?: { name: string; email: string; username?: string };
  treeId?: string;
}

export interface SimDeployment {
  id: number;
  environment: string;
  createdAt: string;
}
