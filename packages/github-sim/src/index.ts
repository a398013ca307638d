export { ManualClock } from "./clock.js";
export type { Clock } from "./clock.js";
export { startSimulator } from "./simulator.js";
export type { Simulator, SimulatorOptions, SimulatorStats } from "./simulator.js";
export { createSimulatorClient, SimulatorControlError } from "./control-client.js";
export type {
  ChaosNext,
  ChaosOptions,
  CreatedInstallation,
  CreateInstallationInput,
  DeliveryView,
  FailNextInput,
  InstallationView,
  JobView,
  PushWorkflowFileInput,
  QueuedRun,
  QueueRunInput,
  RunnerView,
  SimulatorControl,
} from "./control/types.js";
export type { RequestLogEntry } from "./server.js";
export { decodeJitConfig } from "./state/runners.js";
export type { JitConfigDocument } from "./state/runners.js";
export { startWorkload } from "./workload/driver.js";
export type { RunningWorkload, WorkloadCounts, WorkloadDriverOptions } from "./workload/driver.js";
export { WorkloadOptionsError, workloadOptionsProblems } from "./workload/options.js";
export type {
  DurationRange,
  RunShape,
  WeightedLabels,
  WorkloadOptions,
} from "./workload/options.js";
export { summarizeJobs } from "./workload/summary.js";
export type { JobsSummary } from "./workload/summary.js";
