// The workflow types and signal names the intake addresses. Workflows register exactly
// these names, so a rename is a coordinated change with the workflow code.

export const workflowTypes = {
  installation: "installationWorkflow",
  job: "jobWorkflow",
  run: "runWorkflow",
  workflowFiles: "workflowFilesWorkflow",
  runnerPool: "runnerPoolWorkflow",
  runnerInstance: "runnerInstanceWorkflow",
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
/** The pool hears job demand, its instances' reports, and "look again" (a configuration changed). */
export const runnerPoolSignals = {
  demand: "demand",
  instance: "instance",
  reconcile: "reconcile",
} as const;
/** The pool asks an idle instance to go, or tells it which job it started. */
export const runnerInstanceSignals = { retire: "retire", assigned: "assigned" } as const;

/** Business ids: duplicate and redelivered events collapse into one workflow. */
export const workflowIds = {
  installation: (installationId: number): string => `installation-${installationId}`,
  job: (jobId: number): string => `job-${jobId}`,
  run: (runId: number, runAttempt: number): string => `run-${runId}-${runAttempt}`,
  workflowFiles: (repositoryId: number): string => `workflow-files-${repositoryId}`,
  runnerPool: (runnerId: string): string => `pool-${runnerId}`,
  runnerInstance: (instanceName: string): string => `runner-${instanceName}`,
};

/**
 * Workflows whose next event must start them afresh after they ended: those that end
 * when idle rather than when their business is done (a push after the last scan
 * ended), and the job workflow, which also ends when it ignored its job. A job ignored
 * for a reason that passes (no workspace link or runner configuration yet) must not
 * have its later events dropped; a late event after a completed job costs one short
 * run that finds the job completed in the database and bills nothing twice. Every
 * other workflow ends for good: a run completed, an installation deleted.
 */
export const restartableWorkflowTypes: ReadonlySet<string> = new Set([
  workflowTypes.workflowFiles,
  workflowTypes.job,
]);
