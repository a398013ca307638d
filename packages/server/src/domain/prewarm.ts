import { matchRunnerConfiguration, type RunnerLabelSet } from "./labels.js";
import { jitRunnerLabels } from "./runner-instance.js";
import type { WorkflowJobDemand } from "./workflow-jobs.js";

// Pre-warming from workflow-file analysis: how many idle runners a configuration that
// opts in keeps, from the jobs its repositories' workflow files define. Pure, so the
// sizing is tested as a table; the pool reads it with every snapshot.
//
// A job counts for a configuration when GitHub could give it to the configuration's
// runners (every label of the job is one of the runner's, case-insensitively, GitHub's
// default self-hosted labels included) and Hangar's job routing would send its demand
// to this configuration rather than another one that also fits, so no job warms two
// pools. Jobs whose labels are expressions never reach this far (workflow-jobs.ts).

export interface PrewarmRunner extends RunnerLabelSet {
  arch: "amd64" | "arm64";
  minIdle: number;
  maxRunners: number;
  /** The most idle runners pre-warming may keep; null: the configuration does not pre-warm. */
  prewarmMaxIdle: number | null;
}

export interface PrewarmInput {
  runner: PrewarmRunner;
  /** The live configurations of the runner's installation, itself included. */
  configurations: readonly RunnerLabelSet[];
  /** The analysed jobs of the repositories the configuration serves. */
  jobs: readonly WorkflowJobDemand[];
}

export interface PrewarmSize {
  /** Jobs of the analysed workflow files this configuration's runners would take. */
  matchingJobs: number;
  /** Idle runners pre-warming asks for: matching jobs within the cap and maxRunners. */
  warmTarget: number;
  /** What the pool keeps idle: max(minIdle, warmTarget). */
  minIdle: number;
}

/**
 * Every label GitHub gives one of the configuration's runners: those it registers with
 * (jitRunnerLabels) and the defaults GitHub adds to a self-hosted Linux runner.
 */
export function githubRunnerLabels(runner: {
  name: string;
  labels: readonly string[];
  arch: "amd64" | "arm64";
}): Set<string> {
  const defaults = ["self-hosted", "linux", runner.arch === "arm64" ? "arm64" : "x64"];
  return new Set([...jitRunnerLabels(runner), ...defaults].map((label) => label.toLowerCase()));
}

/** GitHub's rule: a runner may take a job when it carries every label the job asks for. */
export function runnerTakesJob(runnerLabels: ReadonlySet<string>, jobLabels: readonly string[]) {
  return jobLabels.every((label) => runnerLabels.has(label.toLowerCase()));
}

export function prewarmSize(input: PrewarmInput): PrewarmSize {
  const { runner } = input;
  const offered = githubRunnerLabels(runner);
  let matchingJobs = 0;
  for (const { labels, jobs } of input.jobs) {
    if (!runnerTakesJob(offered, labels)) continue;
    if (matchRunnerConfiguration(labels, input.configurations)?.id !== runner.id) continue;
    matchingJobs += jobs;
  }
  const warmTarget =
    runner.prewarmMaxIdle === null
      ? 0
      : Math.max(0, Math.min(matchingJobs, runner.prewarmMaxIdle, runner.maxRunners));
  return {
    matchingJobs,
    warmTarget,
    minIdle: Math.min(Math.max(runner.minIdle, warmTarget), Math.max(runner.maxRunners, 0)),
  };
}
