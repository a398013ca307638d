import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { matrixSize, mergeJobDemand, parseJobDemand, workflowJobDemand } from "./workflow-jobs.js";

describe("workflowJobDemand", () => {
  it.each([
    ["a string", "jobs:\n  a: { runs-on: Hangar-4CPU }", [{ labels: ["hangar-4cpu"], jobs: 1 }]],
    [
      "a list keeps GitHub's default labels, lowercased and sorted",
      "jobs:\n  a: { runs-on: [self-hosted, Linux, X64, hangar-gpu] }",
      [{ labels: ["hangar-gpu", "linux", "self-hosted", "x64"], jobs: 1 }],
    ],
    [
      "jobs with one label set are counted together",
      "jobs:\n  a: { runs-on: hangar }\n  b: { runs-on: [HANGAR] }\n  c: { runs-on: other }",
      [
        { labels: ["hangar"], jobs: 2 },
        { labels: ["other"], jobs: 1 },
      ],
    ],
    [
      "the default runner group with labels",
      "jobs:\n  a: { runs-on: { group: Default, labels: [big] } }",
      [{ labels: ["big"], jobs: 1 }],
    ],
    [
      "another runner group: not Hangar's runners",
      "jobs:\n  a: { runs-on: { group: ml, labels: big } }",
      [],
    ],
    ["a group without labels", "jobs:\n  a: { runs-on: { group: ml } }", []],
    ["an expression: unknown until run time", "jobs:\n  a: { runs-on: '${{ matrix.os }}' }", []],
    [
      "one expression among literal labels: still unknown",
      "jobs:\n  a: { runs-on: [self-hosted, '${{ inputs.size }}'] }",
      [],
    ],
    ["a reusable workflow call", "jobs:\n  a: { uses: ./.github/workflows/x.yml }", []],
    [
      "a matrix runs one job per combination",
      "jobs:\n  t:\n    runs-on: hangar\n    strategy: { matrix: { node: [18, 20, 22], os: [a, b] } }",
      [{ labels: ["hangar"], jobs: 6 }],
    ],
    [
      "max-parallel bounds the runners a matrix needs at once",
      "jobs:\n  t:\n    runs-on: hangar\n    strategy: { max-parallel: 2, matrix: { node: [18, 20, 22] } }",
      [{ labels: ["hangar"], jobs: 2 }],
    ],
    [
      "a matrix from an expression counts once",
      "jobs:\n  t:\n    runs-on: hangar\n    strategy: { matrix: '${{ fromJSON(needs.a.outputs.m) }}' }",
      [{ labels: ["hangar"], jobs: 1 }],
    ],
    ["no jobs", "on: push", []],
    ["not a mapping", "- jobs", []],
  ])("%s", (_name, yaml, expected) => {
    expect(workflowJobDemand(parse(yaml))).toEqual(expected);
  });
});

describe("matrixSize", () => {
  it.each([
    ["no matrix", undefined, 1],
    ["one key", { a: [1, 2, 3] }, 3],
    ["a product", { a: [1, 2], b: ["x", "y", "z"] }, 6],
    ["an exclude removes what it matches", { a: [1, 2], b: ["x", "y"], exclude: [{ a: 1 }] }, 2],
    [
      "an include that extends combinations adds none",
      { a: [1, 2], include: [{ a: 1, extra: true }] },
      2,
    ],
    [
      "an include that would overwrite a value adds one",
      { a: [1, 2], include: [{ a: 3 }, { a: 4, b: "new" }] },
      4,
    ],
    [
      "an include with only new keys extends every combination",
      { a: [1, 2], include: [{ color: "green" }] },
      2,
    ],
    ["includes only", { include: [{ os: "a" }, { os: "b" }] }, 2],
    ["everything excluded", { a: [1], exclude: [{ a: 1 }] }, 0],
    ["at most 256 jobs", { a: [...Array(20).keys()], b: [...Array(20).keys()] }, 256],
    ["a key from an expression", { a: "${{ fromJSON(x) }}" }, null],
    ["an expression inside a list", { a: [1, "${{ x }}"] }, null],
    ["not a mapping", "${{ fromJSON(x) }}", null],
  ])("%s", (_name, matrix, expected) => {
    expect(matrixSize(matrix)).toBe(expected);
  });
});

describe("stored demand", () => {
  it("merges label sets across files and reads back only well-formed entries", () => {
    const merged = mergeJobDemand([
      [{ labels: ["b"], jobs: 1 }],
      [
        { labels: ["a"], jobs: 2 },
        { labels: ["b"], jobs: 3 },
      ],
    ]);
    expect(merged).toEqual([
      { labels: ["a"], jobs: 2 },
      { labels: ["b"], jobs: 4 },
    ]);
    expect(
      parseJobDemand([
        ...merged,
        { labels: "a", jobs: 1 },
        { labels: ["c"], jobs: 0 },
        { labels: ["d"], jobs: 1.5 },
        null,
      ]),
    ).toEqual(merged);
    expect(parseJobDemand({ labels: [] })).toEqual([]);
  });
});
