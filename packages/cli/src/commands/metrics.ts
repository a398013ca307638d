import { Command } from "commander";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { GetRunnerMetricsResponseSchema } from "@hangar/api/runner_service_pb.js";
import { workspaceId } from "../client/workspace.js";
import type { Io } from "../io.js";
import { formatDuration, formatPercent, formatTime } from "../output/format.js";
import { messageJson, printJson } from "../output/json.js";
import { printFields } from "../output/table.js";
import { apiFor, globalOptions } from "./context.js";
import { parseTime } from "./time.js";

export function metricsCommand(io: Io): Command {
  return new Command("metrics")
    .description("queue and run time p50/p90 and failure rate of the jobs completed in a window")
    .option("--runner <id>", "only this runner configuration's jobs")
    .option("--repository <owner/name>", "only this repository's jobs")
    .option("--workflow <name>", "only this workflow's jobs")
    .option("--since <time>", "window start: an age (24h, 7d), a date or RFC 3339 (default 7d)")
    .option("--until <time>", "window end (default now)")
    .action(
      async (
        options: {
          runner?: string;
          repository?: string;
          workflow?: string;
          since?: string;
          until?: string;
        },
        command: Command,
      ) => {
        const api = apiFor(io, command);
        const workspace = await workspaceId(api);
        const since = options.since === undefined ? undefined : parseTime("--since", options.since);
        const until = options.until === undefined ? undefined : parseTime("--until", options.until);
        const m = await api.call(() =>
          api.runners.getRunnerMetrics({
            workspaceId: workspace,
            runnerId: options.runner ?? "",
            repository: options.repository ?? "",
            workflowName: options.workflow ?? "",
            ...(since ? { startTime: timestampFromDate(since) } : {}),
            ...(until ? { endTime: timestampFromDate(until) } : {}),
          }),
        );
        if (globalOptions(command).json) {
          printJson(io, messageJson(GetRunnerMetricsResponseSchema, m));
          return;
        }
        printFields(io, [
          ["Window", `${formatTime(m.startTime)} → ${formatTime(m.endTime)}`],
          [
            "Jobs",
            `${m.totalJobs} completed: ${m.succeededJobs} succeeded, ${m.failedJobs} failed, ${m.cancelledJobs} cancelled`,
          ],
          ["Failure rate", m.totalJobs === 0n ? "-" : formatPercent(m.failureRate)],
          [
            "Queue time",
            `p50 ${formatDuration(m.queueTimeP50)}, p90 ${formatDuration(m.queueTimeP90)}`,
          ],
          ["Run time", `p50 ${formatDuration(m.runTimeP50)}, p90 ${formatDuration(m.runTimeP90)}`],
        ]);
      },
    );
}
