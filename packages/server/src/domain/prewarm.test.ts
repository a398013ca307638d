import { describe, expect, it } from "vitest";
import { githubRunnerLabels, prewarmSize, type PrewarmRunner } from "./prewarm.js";
import type { WorkflowJobDemand } from "./workflow-jobs.js";

const runner = (over: Partial<PrewarmRunner> = {}): PrewarmRunner => ({
  id: "small",
  name: "hangar-small",
  labels: [],
  arch: "amd64",
  minIdle: 0,
  maxRunners: 10,
  prewarmMaxIdle: 5,
  ...over,
});

const jobs = (labels: string[], count = 1): WorkflowJobDemand => ({ labels, jobs: count });

describe("githubRunnerLabels", () => {
  it("adds GitHub's defaults for the runner's architecture to what it registers with", () => {
    expect([...githubRunnerLabels({ name: "hangar-arm", labels: ["Big"], arch: "arm64" })]).toEqual(
      ["hangar-arm", "big", "hangar-managed", "self-hosted", "linux", "arm64"],
    );
  });
});

describe("prewarmSize", () => {
  const small = runner();
  const gpu = runner({ id: "gpu", name: "hangar-gpu", labels: ["cuda"], prewarmMaxIdle: null });
  it.each<
    [
      string,
      PrewarmRunner,
      WorkflowJobDemand[],
      { matchingJobs: number; warmTarget: number; minIdle: number },
    ]
  >([
    ["no analysed jobs", small, [], { matchingJobs: 0, warmTarget: 0, minIdle: 0 }],
    [
      "its runs-on label",
      small,
      [jobs(["hangar-small"], 3)],
      { matchingJobs: 3, warmTarget: 3, minIdle: 3 },
    ],
    [
      "GitHub's default labels are the runner's too, case-insensitively",
      small,
      [jobs(["self-hosted", "Linux", "X64", "hangar-small"], 2)],
      { matchingJobs: 2, warmTarget: 2, minIdle: 2 },
    ],
    [
      "a label the runner lacks: GitHub would not give it the job",
      small,
      [jobs(["hangar-small", "arm64"], 2), jobs(["hangar-small", "windows"])],
      { matchingJobs: 0, warmTarget: 0, minIdle: 0 },
    ],
    [
      "only default labels: Hangar routes no such job",
      small,
      [jobs(["self-hosted"], 4), jobs(["self-hosted", "linux", "x64"])],
      { matchingJobs: 0, warmTarget: 0, minIdle: 0 },
    ],
    [
      "another configuration's jobs",
      small,
      [jobs(["hangar-gpu", "cuda"], 2), jobs(["ubuntu-latest"], 7)],
      { matchingJobs: 0, warmTarget: 0, minIdle: 0 },
    ],
    [
      "capped by the configuration's pre-warm maximum",
      runner({ prewarmMaxIdle: 2 }),
      [jobs(["hangar-small"], 3), jobs(["hangar-small", "self-hosted"], 4)],
      { matchingJobs: 7, warmTarget: 2, minIdle: 2 },
    ],
    [
      "capped by maxRunners",
      runner({ prewarmMaxIdle: 50, maxRunners: 4 }),
      [jobs(["hangar-small"], 9)],
      { matchingJobs: 9, warmTarget: 4, minIdle: 4 },
    ],
    [
      "minIdle wins when it is larger",
      runner({ minIdle: 3 }),
      [jobs(["hangar-small"])],
      { matchingJobs: 1, warmTarget: 1, minIdle: 3 },
    ],
    [
      "not opted in: matching jobs are counted, nothing is warmed",
      runner({ prewarmMaxIdle: null, minIdle: 1 }),
      [jobs(["hangar-small"], 6)],
      { matchingJobs: 6, warmTarget: 0, minIdle: 1 },
    ],
  ])("%s", (_name, subject, analysed, expected) => {
    expect(
      prewarmSize({ runner: subject, configurations: [subject, gpu], jobs: analysed }),
    ).toEqual(expected);
  });

  it("counts a job for the configuration its demand is routed to, not every one that fits", () => {
    // Both fit a job asking for "hangar-small"; routing picks the one with fewer labels.
    const broad = runner({ id: "broad", name: "hangar-broad", labels: ["hangar-small", "extra"] });
    const analysed = [jobs(["hangar-small"], 3), jobs(["hangar-small", "extra"], 2)];
    const configurations = [small, broad];
    expect(prewarmSize({ runner: small, configurations, jobs: analysed }).matchingJobs).toBe(3);
    expect(prewarmSize({ runner: broad, configurations, jobs: analysed }).matchingJobs).toBe(2);
  });
});
