import { describe, expect, it } from "vitest";
import { workloadOptionsProblems, type WorkloadOptions } from "./options.js";
import { createRunPlanner, jobNames, pickLabels, sampleDuration } from "./planner.js";

const base: WorkloadOptions = {
  repositories: ["acme/web"],
  jobsPerRun: 3,
  labelSets: [{ labels: ["hangar-small"], weight: 1 }],
  durations: { minMs: 10_000, maxMs: 120_000 },
  failureRate: 0,
  cancelRate: 0,
  runsPerMinute: 6,
};

describe("job names", () => {
  it.each([
    ["matrix", 1, [["test", []]]],
    [
      "matrix",
      3,
      [
        ["test (1)", []],
        ["test (2)", []],
        ["test (3)", []],
      ],
    ],
    ["pipeline", 1, [["build", []]]],
    [
      "pipeline",
      2,
      [
        ["build", []],
        ["test", ["build"]],
      ],
    ],
    [
      "pipeline",
      3,
      [
        ["build", []],
        ["lint", []],
        ["test", ["build"]],
      ],
    ],
    [
      "pipeline",
      4,
      [
        ["build", []],
        ["lint", []],
        ["test (1)", ["build"]],
        ["test (2)", ["build"]],
      ],
    ],
  ] as const)("%s of %i", (shape, count, expected) => {
    expect(jobNames(shape, count).map((job) => [job.name, job.needs])).toEqual(expected);
  });
});

describe("picking a label set by weight", () => {
  const sets = [
    { labels: ["small"], weight: 3 },
    { labels: ["gpu", "large"], weight: 1 },
  ];
  it.each([
    [0, ["small"]],
    [0.74, ["small"]],
    [0.75, ["gpu", "large"]],
    [0.999, ["gpu", "large"]],
  ])("roll %f → %j", (roll, labels) => {
    expect(pickLabels(sets, roll)).toEqual(labels);
  });
});

describe("sampling a duration", () => {
  it.each([
    // [range, roll1, roll2, expected]
    [{ minMs: 5_000, maxMs: 5_000 }, 0.3, 0.3, 5_000],
    [{ minMs: 0, maxMs: 1_000 }, 0.25, 0.9, 250],
    [{ minMs: 10_000, maxMs: 90_000, shape: "uniform" as const }, 0.5, 0, 50_000],
    // z = 0 (cos(π/2)): the median, √(10 s × 90 s) = 30 s.
    [{ minMs: 10_000, maxMs: 90_000 }, 0.5, 0.25, 30_000],
    // A huge z is clamped to the range.
    [{ minMs: 10_000, maxMs: 90_000 }, 0.999999, 0, 90_000],
    [{ minMs: 10_000, maxMs: 90_000 }, 0.999999, 0.5, 10_000],
  ])("%j with rolls %f, %f → %i", (range, roll1, roll2, expected) => {
    expect(sampleDuration(range, roll1, roll2)).toBe(expected);
  });

  it("spreads log-normal samples around the geometric middle", () => {
    const planner = createRunPlanner({ ...base, jobsPerRun: 1, seed: 7 });
    const samples = Array.from({ length: 2_000 }, () => planner.next().input.jobs[0]!.durationMs!);
    samples.sort((a, b) => a - b);
    const median = samples[1_000]!;
    expect(median).toBeGreaterThan(28_000);
    expect(median).toBeLessThan(45_000);
    expect(samples[0]).toBeGreaterThanOrEqual(10_000);
    expect(samples.at(-1)).toBeLessThanOrEqual(120_000);
  });
});

describe("the run planner", () => {
  it("gives the same runs for the same seed, and other runs for another", () => {
    const runs = (seed: number) => {
      const planner = createRunPlanner({
        ...base,
        seed,
        failureRate: 0.2,
        jobsPerRun: { min: 2, max: 4 },
      });
      return Array.from({ length: 5 }, () => planner.next().input);
    };
    expect(runs(3)).toEqual(runs(3));
    expect(runs(3)).not.toEqual(runs(4));
  });

  it("takes repositories in turn and counts each job's label set", () => {
    const planner = createRunPlanner({
      ...base,
      repositories: ["acme/web", "acme/api"],
      labelSets: [
        { labels: ["small"], weight: 1 },
        { labels: ["gpu"], weight: 1 },
      ],
    });
    const runs = Array.from({ length: 4 }, () => planner.next());
    expect(runs.map((run) => run.input.repository)).toEqual([
      "acme/web",
      "acme/api",
      "acme/web",
      "acme/api",
    ]);
    for (const run of runs) {
      expect(run.labelSets).toEqual(run.input.jobs.map((job) => job.labels.join(",")));
    }
    expect(new Set(runs.flatMap((run) => run.labelSets))).toEqual(new Set(["small", "gpu"]));
  });

  it("fails and cancels jobs at about the rates asked for", () => {
    const planner = createRunPlanner({ ...base, failureRate: 0.05, cancelRate: 0.02, seed: 11 });
    const jobs = Array.from({ length: 1_000 }, () => planner.next().input.jobs).flat();
    const share = (conclusion: string) =>
      jobs.filter((job) => job.conclusion === conclusion).length / jobs.length;
    expect(share("failure")).toBeGreaterThan(0.03);
    expect(share("failure")).toBeLessThan(0.07);
    expect(share("cancelled")).toBeGreaterThan(0.01);
    expect(share("cancelled")).toBeLessThan(0.03);
  });

  it("spaces runs by the mean interval, ±50 %", () => {
    const planner = createRunPlanner({ ...base, runsPerMinute: 3 });
    const delays = Array.from({ length: 200 }, () => planner.nextDelayMs());
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(30_000);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThan(18_000);
    expect(mean).toBeLessThan(22_000);
  });
});

describe("workload options", () => {
  it.each([
    [{}, []],
    [{ repositories: [] }, ["at least one repository is needed"]],
    [{ repositories: ["web"] }, ["repository web is not owner/name"]],
    [{ jobsPerRun: 0 }, ["jobs per run must be whole numbers from 1, min ≤ max"]],
    [{ jobsPerRun: { min: 3, max: 2 } }, ["jobs per run must be whole numbers from 1, min ≤ max"]],
    [{ jobsPerRun: 257 }, ["a run has at most 256 jobs"]],
    [{ labelSets: [] }, ["at least one label set is needed"]],
    [{ labelSets: [{ labels: ["x"], weight: 0 }] }, ["label set x needs a positive weight"]],
    [
      { durations: { minMs: 5, maxMs: 1 } },
      ["durations must be whole milliseconds from 0, min ≤ max"],
    ],
    [{ failureRate: 1.5 }, ["failure rate must be from 0 to 1"]],
    [{ failureRate: 0.6, cancelRate: 0.6 }, ["failure rate and cancel rate add up to more than 1"]],
    [{ runsPerMinute: 0 }, ["runs per minute must be positive"]],
  ] as const)("%j → %j", (change, problems) => {
    expect(workloadOptionsProblems({ ...base, ...change } as WorkloadOptions)).toEqual(problems);
  });
});
