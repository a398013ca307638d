import { describe, expect, it } from "vitest";
import { runsOnLabels } from "./workflow-labels.js";

describe("runsOnLabels", () => {
  it.each([
    ["a string", { jobs: { a: { "runs-on": "Hangar-4CPU" } } }, ["hangar-4cpu"]],
    [
      "a list without generic labels",
      { jobs: { a: { "runs-on": ["self-hosted", "linux", "hangar-gpu"] } } },
      ["hangar-gpu"],
    ],
    ["a group with labels", { jobs: { a: { "runs-on": { group: "g", labels: "big" } } } }, ["big"]],
    ["expressions skipped", { jobs: { a: { "runs-on": "${{ matrix.os }}" } } }, []],
    [
      "several jobs, deduplicated and sorted",
      { jobs: { a: { "runs-on": "b-label" }, b: { "runs-on": ["a-label", "b-label"] } } },
      ["a-label", "b-label"],
    ],
    ["no jobs", { on: "push" }, []],
    ["not an object", "jobs:", []],
    ["a job without runs-on (reusable workflow call)", { jobs: { a: { uses: "./x.yml" } } }, []],
  ])("%s", (_name, workflow, expected) => {
    expect(runsOnLabels(workflow)).toEqual(expected);
  });
});
