import { DefaultLogger, Runtime, type LogLevel as TemporalLogLevel } from "@temporalio/worker";
import { workflowFields } from "../observability/log-correlation.js";
import type { Logger } from "../observability/logger.js";

const pinoLevel = {
  TRACE: "trace",
  DEBUG: "debug",
  INFO: "info",
  WARN: "warn",
  ERROR: "error",
} as const satisfies Record<TemporalLogLevel, string>;

/**
 * Routes the Temporal SDK's own logs (worker state, workflow bundling) into
 * Hangar's logger, so they are JSON and redacted like every other line. The
 * SDK is chatty at INFO, so it logs at WARN unless Hangar runs at debug.
 * Runtime.install is process-wide and may run once, hence its place in main/.
 */
export function installTemporalRuntime(logger: Logger): void {
  const sdk = logger.child({ subsystem: "temporal-sdk" });
  const level: TemporalLogLevel = logger.isLevelEnabled("debug") ? "DEBUG" : "WARN";
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const meta: Record<string, unknown> = entry.meta ?? {};
      // Workflow code logs through the SDK, outside any async context a mixin could read.
      const workflowId = meta["workflowId"];
      const fields =
        typeof workflowId === "string" ? { ...meta, ...workflowFields(workflowId) } : meta;
      sdk[pinoLevel[entry.level]](fields, entry.message);
    }),
  });
}
