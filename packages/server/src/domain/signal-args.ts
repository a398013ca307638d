import type { WorkflowJobAction, WorkflowRunAction } from "./webhook-events.js";

// The argument of each signal the intake sends: what workflows receive. Type aliases,
// not interfaces, so that they are assignable to JsonValue (interfaces have no implicit
// index signature). Field names are Hangar's (camelCase); values are GitHub's.

export type RepositoryArgs = {
  id: number;
  name: string;
  fullName: string;
  private: boolean;
};

export type InstallArgs = {
  installationId: number;
  account: { id: number; login: string; type: string };
  repositorySelection: string | null;
  repositories: RepositoryArgs[];
};

/** uninstall, suspend, unsuspend and permissionsAccepted carry only the id. */
export type InstallationIdArgs = { installationId: number };

export type RepositoriesChangedArgs = {
  installationId: number;
  repositorySelection: string | null;
  repositories: RepositoryArgs[];
};

export type RepositoryOwnerArgs = { id: number; fullName: string; ownerLogin: string };

export type JobEventArgs = {
  action: WorkflowJobAction;
  id: number;
  runId: number;
  runAttempt: number;
  name: string;
  workflowName: string | null;
  headBranch: string | null;
  headSha: string;
  labels: string[];
  status: string;
  conclusion: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  runnerId: number | null;
  runnerName: string | null;
  runnerGroupId: number | null;
  runnerGroupName: string | null;
  repository: RepositoryOwnerArgs;
  installationId: number;
  /** A deployment means an environment, which may hold the job for an approval. */
  hasDeployment: boolean;
};

export type RunEventArgs = {
  action: WorkflowRunAction;
  id: number;
  runAttempt: number;
  name: string | null;
  workflowId: number;
  event: string;
  status: string | null;
  conclusion: string | null;
  headBranch: string | null;
  headSha: string;
  createdAt: string;
  updatedAt: string;
  runStartedAt: string | null;
  repository: RepositoryOwnerArgs;
  installationId: number;
};

export type WorkflowFilesPushArgs = {
  repository: RepositoryOwnerArgs;
  installationId: number;
  ref: string;
  after: string;
  /** Sorted, distinct paths under .github/workflows/ that any commit added, changed or removed. */
  changedPaths: string[];
};
