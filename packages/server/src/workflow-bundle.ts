import { fileURLToPath } from "node:url";

/**
 * The entry point Temporal bundles into the workflow sandbox. Kept outside
 * workflows/ because it needs Node builtins, which workflow code may not use.
 */
export const workflowsPath = fileURLToPath(new URL("./workflows/index.ts", import.meta.url));

/** Recorded histories replayed on every test run (see workflows/replay.test.ts). */
export const historiesDir = fileURLToPath(new URL("./workflows/histories/", import.meta.url));
