import { Command } from "commander";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { GetJobResponseSchema, JobSchema, type Job } from "@hangar/api/job_service_pb.js";
import { collect } from "../client/api.js";
import { workspaceId } from "../client/workspace.js";
import { CliError, ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { formatDuration, formatTime, list, orNone } from "../output/format.js";
import { messageJson, printJson } from "../output/json.js";
import { printFields, printTable } from "../output/table.js";
import { addPaging, apiFor, globalOptions, printListing } from "./context.js";
import { parseTime } from "./time.js";

function state(job: Job): string {
  return job.conclusion ? `${job.status}/${job.conclusion}` : job.status;
}

export function jobsCommand(io: Io): Command {
  const group = new Command("jobs").description(
    "GitHub Actions jobs that asked for Hangar's runners",
  );
  addPaging(
    group
      .command("ls")
      .description("list jobs, newest first")
      .option("--status <status>", "queued, in_progress or completed")
      .option("--conclusion <conclusion>", "success, failure, cancelled, …")
      .option("--runner <id>", "only jobs of this runner configuration")
      .option("--repository <owner/name>", "only jobs of this repository")
      .option("--since <time>", "created at or after: RFC 3339, a date, or an age like 24h or 7d")
      .option("--until <time>", "created before (same forms)"),
    20,
  ).action(
    async (
      options: {
        status?: string;
        conclusion?: string;
        runner?: string;
        repository?: string;
        since?: string;
        until?: string;
        limit: number;
        all?: boolean;
      },
      command: Command,
    ) => {
      const api = apiFor(io, command);
      const workspace = await workspaceId(api);
      const since = options.since === undefined ? undefined : parseTime("--since", options.since);
      const until = options.until === undefined ? undefined : parseTime("--until", options.until);
      const { items, more } = await api.call(() =>
        collect(
          async (pageSize, pageToken) => {
            const page = await api.jobs.listJobs({
              workspaceId: workspace,
              status: options.status ?? "",
              conclusion: options.conclusion ?? "",
              runnerId: options.runner ?? "",
              repository: options.repository ?? "",
              ...(since ? { startTime: timestampFromDate(since) } : {}),
              ...(until ? { endTime: timestampFromDate(until) } : {}),
              pageSize,
              pageToken,
            });
            return { items: page.jobs, nextPageToken: page.nextPageToken };
          },
          { limit: options.limit, all: options.all === true },
        ),
      );
      printListing(io, command, {
        schema: JobSchema,
        items,
        more,
        columns: ["id", "repository", "job", "state", "runner", "queued", "ran", "created"],
        row: (j) => [
          String(j.id),
          j.repository,
          j.name,
          state(j),
          orNone(j.runnerName),
          formatDuration(j.queueDuration),
          formatDuration(j.runDuration),
          formatTime(j.createTime),
        ],
        empty: "No job matches.",
      });
    },
  );
  group
    .command("show")
    .description("show a job and its timeline (queued → runner ready → started → completed)")
    .argument("<id>", "the job's GitHub id")
    .action(async (rawId: string, _options: unknown, command: Command) => {
      if (!/^\d+$/.test(rawId))
        throw new CliError(`a job id is a number, not "${rawId}"`, ExitCode.usage);
      const api = apiFor(io, command);
      const response = await api.call(() => api.jobs.getJob({ id: BigInt(rawId) }));
      if (globalOptions(command).json) {
        printJson(io, messageJson(GetJobResponseSchema, response));
        return;
      }
      const job = response.job;
      if (job === undefined) return;
      printFields(io, [
        ["ID", String(job.id)],
        ["Repository", job.repository],
        ["Workflow", orNone(job.workflowName)],
        ["Job", job.name],
        ["Run", `${job.runId} (attempt ${job.runAttempt})`],
        ["Branch", orNone(job.headBranch)],
        ["Commit", orNone(job.headSha.slice(0, 12))],
        ["Labels", list(job.labels)],
        ["State", state(job)],
        ["Runner", job.runnerName ? `${job.runnerName} (${job.runnerId})` : "-"],
        ["Queued for", formatDuration(job.queueDuration)],
        ["Ran for", formatDuration(job.runDuration)],
        ["GitHub", orNone(job.htmlUrl)],
      ]);
      io.stdout.write("\n");
      printTable(
        io,
        ["time", "event", "detail"],
        response.timeline.map((entry) => [formatTime(entry.time, true), entry.kind, entry.detail]),
        "No timeline recorded.",
        { maxCellWidth: 80 },
      );
    });
  return group;
}
