// The workflow bundle's entry point: every workflow the worker registers.
export { selfCheckWorkflow } from "./self-check.js";
export { jobWorkflow } from "./job.js";
export { installationWorkflow } from "./installation.js";
export { runWorkflow } from "./run.js";
export { workflowFilesWorkflow } from "./workflow-files.js";
export { redeliveryWorkflow } from "./redelivery.js";
export { runnerPoolWorkflow } from "./runner-pool.js";
export { runnerInstanceWorkflow } from "./runner-instance.js";
export { runnerSweepWorkflow } from "./runner-sweep.js";
export { tenancyConvergenceWorkflow } from "./tenancy-convergence.js";
