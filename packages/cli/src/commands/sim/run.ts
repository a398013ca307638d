import {
  startWorkload,
  summarizeJobs,
  workloadOptionsProblems,
  type JobsSummary,
  type QueuedRun,
  type SimulatorControl,
  type WeightedLabels,
  type WorkloadCounts,
  type WorkloadDriverOptions,
} from "@hangar/github-sim";
import { Command } from "commander";
import { CliError, ExitCode } from "../../exit-codes.js";
import type { Io } from "../../io.js";
import { formatSeconds } from "../../output/format.js";
import { printJson } from "../../output/json.js";
import { progress } from "../../output/progress.js";
import { printFields } from "../../output/table.js";
import { integer } from "../context.js";
import {
  collectLabelSets,
  parseDuration,
  parseDurationRange,
  parseProbability,
  parseRate,
  parseRepository,
  parseSeed,
} from "./parse.js";
import { jsonWanted, simulatorFor, withSimUrl } from "./target.js";

interface RunFlags {
  repo: string;
  jobs: number;
  labels?: WeightedLabels[];
  duration: { minMs: number; maxMs: number };
  failureRate: number;
  cancelRate: number;
  runs: number;
  rate: number;
  seed?: number;
  workflow: string;
  wait?: boolean;
  timeout: number;
}

const POLL_MS = 500;

/** The workload the flags ask for, or a usage error naming every problem. */
export function workloadFromFlags(flags: RunFlags): WorkloadDriverOptions {
  const options: WorkloadDriverOptions = {
    repositories: [flags.repo],
    jobsPerRun: flags.jobs,
    labelSets: flags.labels ?? [],
    durations: { ...flags.duration, shape: "log-normal" },
    failureRate: flags.failureRate,
    cancelRate: flags.cancelRate,
    runsPerMinute: flags.rate,
    shape: "matrix",
    workflowName: flags.workflow,
    maxRuns: flags.runs,
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
  };
  const problems = workloadOptionsProblems(options);
  if (flags.labels === undefined) problems.unshift("--labels is required");
  if (problems.length > 0) throw new CliError(problems.join("; "), ExitCode.usage);
  return options;
}

export function runCommand(io: Io): Command {
  return withSimUrl(new Command("run"))
    .description(
      "queue workflow runs of N jobs (a matrix) with the labels, durations and outcomes given",
    )
    .requiredOption("--repo <owner/name>", "a repository of an installation", (v) =>
      parseRepository(v),
    )
    .option("--jobs <n>", "jobs per run", integer("--jobs", 1), 1)
    .option(
      "--labels <a,b[:weight]>",
      "runs-on labels of the jobs; repeat for several label sets, picked by weight (required)",
      collectLabelSets,
    )
    .option(
      "--duration <min..max>",
      "how long each job runs (10s..2m, or one value)",
      (v) => parseDurationRange(v),
      {
        minMs: 10_000,
        maxMs: 60_000,
      },
    )
    .option(
      "--failure-rate <p>",
      "probability that a job fails (0.05 or 5%)",
      (v) => parseProbability(v, "--failure-rate"),
      0,
    )
    .option(
      "--cancel-rate <p>",
      "probability that a job is cancelled",
      (v) => parseProbability(v, "--cancel-rate"),
      0,
    )
    .option("--runs <m>", "how many runs", integer("--runs", 1), 1)
    .option("--rate <r>", "how fast runs are queued (6/min, 1/s)", (v) => parseRate(v), 6)
    .option("--seed <n>", "the same seed gives the same runs", parseSeed)
    .option("--workflow <name>", "the workflow's name", "ci")
    .option("--wait", "wait until every job has completed, then summarise them")
    .option(
      "--timeout <duration>",
      "with --wait: give up (exit 1) after this long",
      (v) => parseDuration(v, "--timeout"),
      600_000,
    )
    .option("--json", "print the runs (and with --wait the summary) as JSON")
    .action(async (flags: RunFlags, command: Command) => {
      const workload = workloadFromFlags(flags);
      const control = simulatorFor(io, command);
      const started = Date.now();
      const shown = progress(io);
      const refused: Error[] = [];
      const running = startWorkload(control, {
        ...workload,
        onError: (error) => {
          refused.push(error instanceof Error ? error : new Error("a run could not be queued"));
        },
      });
      const ticker = setInterval(() => {
        const counts = running.counts();
        shown.update(`queued ${counts.runsQueued}/${flags.runs} runs (${counts.jobsQueued} jobs)`);
      }, POLL_MS);
      try {
        await running.done;
      } finally {
        clearInterval(ticker);
        shown.done();
      }
      const counts = running.counts();
      const runs = running.runs();
      const [firstError] = refused;
      if (firstError !== undefined) {
        if (counts.runsQueued === 0) throw firstError;
        io.stderr.write(
          `warning: ${refused.length} of ${flags.runs} runs were refused: ${firstError.message}\n`,
        );
      }
      if (flags.wait !== true) {
        if (jsonWanted(command)) printJson(io, { runs, counts });
        else printQueued(io, runs, counts);
        return;
      }
      const summary = await waitForJobs(
        io,
        control,
        runs,
        counts.jobsQueued,
        started + flags.timeout,
      );
      if (jsonWanted(command)) printJson(io, { runs, counts, summary });
      else printSummary(io, runs, summary, Date.now() - started);
      if (summary.completed < counts.jobsQueued) {
        throw new CliError(
          `${counts.jobsQueued - summary.completed} of ${counts.jobsQueued} jobs did not complete within ${formatSeconds(flags.timeout / 1000)}`,
          ExitCode.failure,
          "are runners taking these labels? `hangar sim status` shows the jobs and runners",
        );
      }
    });
}

/** Polls the simulator until every job of the runs has completed, or the deadline. */
async function waitForJobs(
  io: Io,
  control: SimulatorControl,
  runs: readonly QueuedRun[],
  expected: number,
  deadline: number,
): Promise<JobsSummary> {
  const runIds = new Set(runs.map((run) => run.runId));
  const shown = progress(io);
  try {
    for (;;) {
      const jobs = (await control.jobs()).filter((job) => runIds.has(job.runId));
      const summary = summarizeJobs(jobs);
      const running = jobs.filter((job) => job.status === "in_progress").length;
      shown.update(
        `${summary.completed}/${expected} jobs completed, ${running} in progress, ${expected - summary.completed - running} waiting`,
      );
      if (summary.completed >= expected || Date.now() >= deadline) return summary;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    shown.done();
  }
}

function printQueued(io: Io, runs: readonly QueuedRun[], counts: WorkloadCounts): void {
  printFields(io, [
    ["runs", `${counts.runsQueued} queued (${runs.map((run) => run.runId).join(", ")})`],
    ["jobs", `${counts.jobsQueued} queued`],
    ...Object.entries(counts.jobsByLabelSet).map(
      ([labels, jobs]) => [`  ${labels}`, `${jobs} jobs`] as const,
    ),
  ]);
}

function printSummary(
  io: Io,
  runs: readonly QueuedRun[],
  summary: JobsSummary,
  elapsedMs: number,
): void {
  const queue = summary.queueMs;
  printFields(io, [
    ["runs", String(runs.length)],
    [
      "jobs",
      `${summary.completed} of ${summary.total} completed in ${formatSeconds(elapsedMs / 1000)}`,
    ],
    ["succeeded", String(summary.succeeded)],
    ["failed", String(summary.failed)],
    ["cancelled", String(summary.cancelled)],
    ...(summary.other > 0 ? [["other", String(summary.other)] as const] : []),
    [
      "queue time",
      queue === null
        ? "-"
        : `p50 ${formatSeconds(queue.p50 / 1000)}, p90 ${formatSeconds(queue.p90 / 1000)}`,
    ],
  ]);
}
