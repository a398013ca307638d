import { fileURLToPath } from "node:url";

/**
 * The entry point Temporal bundles into the workflow sandbox. Kept outside
 * workflows/ because it needs Node builtins, which workflow code may not use.
 */
export const workflowsPath = fileURLToPath(new URL("./workflows/index.ts", import.meta.url));

/** Recorded histories replayed on every test run (see workflows/replay.test.ts). */
export const historiesDir = fileURLToPath(new URL("./workflows/histories/", import.meta.url));

/**
 * Workflow interceptors bundled into the sandbox when tracing is on: a span per
 * workflow run, signal and activity scheduled, handed to the worker's `exporter` sink
 * (sinks are not called during replay, so a replayed span is not sent twice).
 */
export const tracingWorkflowModules: readonly string[] = [
  fileURLToPath(new URL("./observability/tracing-workflow-interceptors.ts", import.meta.url)),
];
