import type { Logger } from "../observability/logger.js";
import type { DemandKind } from "../domain/job-state.js";

// What the event pipeline asks of the runner side (namespaces, pools, pods). The
// Kubernetes issue replaces the logging implementation; the recorder lets tests see
// exactly what was asked, in order.

export interface JobDemand {
  installationId: number;
  jobId: number;
  labels: string[];
  kind: DemandKind;
  /**
   * The configuration the job resolved to, when the caller knows it: queued demand then
   * goes to its pool without waiting for the job's row. Started and finished demand
   * always read the row (which runner took the job).
   */
  runnerId?: string;
}

export interface RunnerSide {
  prepareInstallation(installationId: number): Promise<void>;
  teardownInstallation(installationId: number): Promise<void>;
  /** Keyed by job id and kind, so a repeated call (a retried activity) is harmless. */
  jobDemand(demand: JobDemand): Promise<void>;
  /**
   * A push changed the workflow files of one of the installation's repositories: pools
   * that pre-warm from workflow-file analysis look again. Harmless to repeat.
   */
  workflowFilesChanged(installationId: number): Promise<void>;
}

export type RunnerSideCall =
  | { op: "prepareInstallation"; installationId: number }
  | { op: "teardownInstallation"; installationId: number }
  | ({ op: "jobDemand" } & JobDemand)
  | { op: "workflowFilesChanged"; installationId: number };

export interface RecordingRunnerSide extends RunnerSide {
  readonly calls: RunnerSideCall[];
}

export function createRecordingRunnerSide(): RecordingRunnerSide {
  const calls: RunnerSideCall[] = [];
  return {
    calls,
    prepareInstallation(installationId) {
      calls.push({ op: "prepareInstallation", installationId });
      return Promise.resolve();
    },
    teardownInstallation(installationId) {
      calls.push({ op: "teardownInstallation", installationId });
      return Promise.resolve();
    },
    jobDemand(demand) {
      calls.push({ op: "jobDemand", ...demand });
      return Promise.resolve();
    },
    workflowFilesChanged(installationId) {
      calls.push({ op: "workflowFilesChanged", installationId });
      return Promise.resolve();
    },
  };
}

/** Until Kubernetes provisioning exists, production says what it would have done. */
export function createLoggingRunnerSide(logger: Logger): RunnerSide {
  const log = logger.child({ subsystem: "runner-side" });
  return {
    prepareInstallation(installationId) {
      log.info({ installationId }, "prepare installation (not built yet)");
      return Promise.resolve();
    },
    teardownInstallation(installationId) {
      log.info({ installationId }, "tear down installation (not built yet)");
      return Promise.resolve();
    },
    jobDemand(demand) {
      log.info({ ...demand }, "job demand (not built yet)");
      return Promise.resolve();
    },
    workflowFilesChanged(installationId) {
      log.info({ installationId }, "workflow files changed (no runner pools)");
      return Promise.resolve();
    },
  };
}

/** The runner side as activities, so workflows reach it through Temporal's retries. */
export function createRunnerSideActivities(deps: { runnerSide: RunnerSide }) {
  return {
    prepareInstallation: (installationId: number) =>
      deps.runnerSide.prepareInstallation(installationId),
    teardownInstallation: (installationId: number) =>
      deps.runnerSide.teardownInstallation(installationId),
    signalJobDemand: (demand: JobDemand) => deps.runnerSide.jobDemand(demand),
    signalWorkflowFilesChanged: (installationId: number) =>
      deps.runnerSide.workflowFilesChanged(installationId),
  };
}

export type RunnerSideActivities = ReturnType<typeof createRunnerSideActivities>;
