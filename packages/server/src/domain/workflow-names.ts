// The workflow types and signal names the intake addresses. Workflows register exactly
// these names, so a rename is a coordinated change with the workflow code.

export const workflowTypes = {
  installation: "installationWorkflow",
  job: "jobWorkflow",
  run: "runWorkflow",
  workflowFiles: "workflowFilesWorkflow",
} as const;

export const installationSignals = {
  install: "install",
  uninstall: "uninstall",
  suspend: "suspend",
  unsuspend: "unsuspend",
  permissionsAccepted: "permissionsAccepted",
  addRepositories: "addRepositories",
  removeRepositories: "removeRepositories",
} as const;

export const jobSignals = { jobEvent: "jobEvent" } as const;
export const runSignals = { runEvent: "runEvent" } as const;
export const workflowFilesSignals = { push: "push" } as const;

/** Business ids: duplicate and redelivered events collapse into one workflow. */
export const workflowIds = {
  installation: (installationId: number): string => `installation-${installationId}`,
  job: (jobId: number): string => `job-${jobId}`,
  run: (runId: number, runAttempt: number): string => `run-${runId}-${runAttempt}`,
  workflowFiles: (repositoryId: number): string => `workflow-files-${repositoryId}`,
};

/**
 * Workflows that end when idle rather than when their business is done, so the
 * next event must start them afresh (a push after the last scan ended). Every
 * other workflow ends for good: a job completed, a run completed, an
 * installation deleted.
 */
export const restartableWorkflowTypes: ReadonlySet<string> = new Set([workflowTypes.workflowFiles]);
