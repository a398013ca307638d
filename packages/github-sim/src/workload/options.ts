import { MAX_JOBS_PER_RUN } from "../state/jobs.js";

// What a stream of workflow runs looks like: which repositories, how many jobs,
// which runners they ask for, how long they take and how they end.

/** One `runs-on` label set and how often jobs ask for it, relative to the others. */
export interface WeightedLabels {
  labels: string[];
  weight: number;
}

/**
 * How long a job runs. `log-normal` clusters around the geometric middle of the
 * range with a long tail either side, as CI job times do; `uniform` spreads evenly.
 */
export interface DurationRange {
  minMs: number;
  maxMs: number;
  shape?: "uniform" | "log-normal";
}

/**
 * `matrix`: N copies of one job (`test (1)` … `test (N)`), as a strategy matrix.
 * `pipeline`: `build`, then tests that need it, and a `lint` beside them.
 */
export type RunShape = "matrix" | "pipeline";

export interface WorkloadOptions {
  /** `owner/name`; each run picks one in turn. */
  repositories: string[];
  /** Jobs per run: a fixed count or a range drawn per run. */
  jobsPerRun: number | { min: number; max: number };
  labelSets: WeightedLabels[];
  durations: DurationRange;
  /** Probability that a job fails; it is drawn after the cancel roll. */
  failureRate: number;
  /** Probability that a job is cancelled. */
  cancelRate: number;
  runsPerMinute: number;
  shape?: RunShape;
  workflowName?: string;
  /** Same seed, same runs. */
  seed?: number;
}

export class WorkloadOptionsError extends Error {
  override name = "WorkloadOptionsError";
}

/** Every problem with the options at once, so a caller can report them together. */
export function workloadOptionsProblems(options: WorkloadOptions): string[] {
  const problems: string[] = [];
  if (options.repositories.length === 0) problems.push("at least one repository is needed");
  for (const repository of options.repositories) {
    if (!/^[^/\s]+\/[^/\s]+$/.test(repository)) {
      problems.push(`repository ${repository} is not owner/name`);
    }
  }
  const { min, max } = jobRange(options.jobsPerRun);
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max < min) {
    problems.push("jobs per run must be whole numbers from 1, min ≤ max");
  } else if (max > MAX_JOBS_PER_RUN) {
    problems.push(`a run has at most ${MAX_JOBS_PER_RUN} jobs`);
  }
  if (options.labelSets.length === 0) problems.push("at least one label set is needed");
  for (const set of options.labelSets) {
    if (set.labels.length === 0 || set.labels.some((label) => label.trim() === "")) {
      problems.push("a label set needs at least one non-empty label");
    }
    if (!(set.weight > 0) || !Number.isFinite(set.weight)) {
      problems.push(`label set ${labelSetKey(set.labels)} needs a positive weight`);
    }
  }
  const { minMs, maxMs } = options.durations;
  if (!Number.isInteger(minMs) || !Number.isInteger(maxMs) || minMs < 0 || maxMs < minMs) {
    problems.push("durations must be whole milliseconds from 0, min ≤ max");
  }
  for (const [name, rate] of [
    ["failure rate", options.failureRate],
    ["cancel rate", options.cancelRate],
  ] as const) {
    if (!(rate >= 0 && rate <= 1)) problems.push(`${name} must be from 0 to 1`);
  }
  const ratesValid = [options.failureRate, options.cancelRate].every((r) => r >= 0 && r <= 1);
  if (ratesValid && options.failureRate + options.cancelRate > 1) {
    problems.push("failure rate and cancel rate add up to more than 1");
  }
  if (!(options.runsPerMinute > 0) || !Number.isFinite(options.runsPerMinute)) {
    problems.push("runs per minute must be positive");
  }
  return problems;
}

export function assertWorkloadOptions(options: WorkloadOptions): void {
  const problems = workloadOptionsProblems(options);
  if (problems.length > 0) throw new WorkloadOptionsError(problems.join("; "));
}

export function jobRange(jobsPerRun: WorkloadOptions["jobsPerRun"]): { min: number; max: number } {
  return typeof jobsPerRun === "number" ? { min: jobsPerRun, max: jobsPerRun } : jobsPerRun;
}

/** How a label set is named in counts: its labels, comma-separated. */
export function labelSetKey(labels: readonly string[]): string {
  return labels.join(",");
}
