import { SeededRandom } from "../prng.js";
import type { QueueJobInput, QueueRunInput } from "../state/jobs.js";
import {
  assertWorkloadOptions,
  jobRange,
  labelSetKey,
  type DurationRange,
  type RunShape,
  type WeightedLabels,
  type WorkloadOptions,
} from "./options.js";

/** One run to queue, with the label set of each job named for the counts. */
export interface PlannedWorkloadRun {
  input: QueueRunInput;
  labelSets: string[];
}

export interface RunPlanner {
  next(): PlannedWorkloadRun;
  /** Milliseconds until the following run: the mean interval, ±50 %, so runs do not arrive in lockstep. */
  nextDelayMs(): number;
}

/**
 * Turns workload options into a deterministic sequence of runs: the same seed
 * gives the same repositories, jobs, labels, durations and outcomes.
 */
export function createRunPlanner(options: WorkloadOptions): RunPlanner {
  assertWorkloadOptions(options);
  const random = new SeededRandom(options.seed ?? 1);
  const range = jobRange(options.jobsPerRun);
  const shape = options.shape ?? "matrix";
  const meanIntervalMs = 60_000 / options.runsPerMinute;
  let runs = 0;
  return {
    next() {
      const repository = options.repositories[runs % options.repositories.length] ?? "";
      runs += 1;
      const count = range.min + Math.floor(random.next() * (range.max - range.min + 1));
      const names = jobNames(shape, count);
      const labelSets: string[] = [];
      const jobs = names.map(({ name, needs }): QueueJobInput => {
        const labels = pickLabels(options.labelSets, random.next());
        labelSets.push(labelSetKey(labels));
        const durationMs = sampleDuration(options.durations, random.next(), random.next());
        // Both rolls are drawn every time so changing one rate leaves the other's sequence alone.
        const cancelRoll = random.next();
        const failureRoll = random.next();
        const conclusion =
          cancelRoll < options.cancelRate
            ? "cancelled"
            : failureRoll < options.failureRate
              ? "failure"
              : "success";
        return {
          name,
          labels: [...labels],
          durationMs,
          conclusion,
          ...(needs.length > 0 ? { needs } : {}),
        };
      });
      return {
        input: { repository, workflowName: options.workflowName ?? "ci", jobs },
        labelSets,
      };
    },
    nextDelayMs() {
      return Math.round(meanIntervalMs * (0.5 + random.next()));
    },
  };
}

/** Job names (and needs) of a run of `count` jobs of the given shape. */
export function jobNames(shape: RunShape, count: number): { name: string; needs: string[] }[] {
  switch (shape) {
    case "matrix":
      return count === 1
        ? [{ name: "test", needs: [] }]
        : Array.from({ length: count }, (_, i) => ({ name: `test (${i + 1})`, needs: [] }));
    case "pipeline": {
      if (count === 1) return [{ name: "build", needs: [] }];
      if (count === 2)
        return [
          { name: "build", needs: [] },
          { name: "test", needs: ["build"] },
        ];
      const tests = count - 2;
      return [
        { name: "build", needs: [] },
        { name: "lint", needs: [] },
        ...Array.from({ length: tests }, (_, i) => ({
          name: tests === 1 ? "test" : `test (${i + 1})`,
          needs: ["build"],
        })),
      ];
    }
    default: {
      const unknown: never = shape;
      throw new Error(`unknown run shape ${String(unknown)}`);
    }
  }
}

/** The label set that `roll` (in [0, 1)) lands on, in proportion to the weights. */
export function pickLabels(sets: readonly WeightedLabels[], roll: number): string[] {
  const total = sets.reduce((sum, set) => sum + set.weight, 0);
  let point = roll * total;
  for (const set of sets) {
    if (point < set.weight) return set.labels;
    point -= set.weight;
  }
  return sets[sets.length - 1]?.labels ?? [];
}

/**
 * A duration from two uniform rolls in [0, 1). Log-normal puts the median at the
 * range's geometric middle with the range spanning ±2 standard deviations, clamped.
 */
export function sampleDuration(range: DurationRange, roll1: number, roll2: number): number {
  const { minMs, maxMs } = range;
  if (maxMs === minMs) return minMs;
  if ((range.shape ?? "log-normal") === "uniform" || minMs === 0) {
    return Math.round(minMs + roll1 * (maxMs - minMs));
  }
  // Box-Muller: 1 - roll keeps the logarithm's argument in (0, 1].
  const z = Math.sqrt(-2 * Math.log(1 - roll1)) * Math.cos(2 * Math.PI * roll2);
  const median = Math.sqrt(minMs * maxMs);
  const sigma = Math.log(maxMs / minMs) / 4;
  const value = median * Math.exp(sigma * z);
  return Math.round(Math.min(maxMs, Math.max(minMs, value)));
}
