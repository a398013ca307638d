import { describe, expect, it } from "vitest";
import { allowsRepository, matchRunnerConfiguration, significantJobLabels } from "./labels.js";

const configs = [
  { id: "a", name: "hangar-4cpu", labels: [] },
  { id: "b", name: "hangar-gpu", labels: ["gpu", "cuda"] },
  { id: "c", name: "big", labels: ["hangar-4cpu", "ssd"] },
];

describe("matchRunnerConfiguration", () => {
  it.each([
    ["the name", ["hangar-4cpu"], "a"],
    ["case-insensitively, defaults ignored", ["self-hosted", "Linux", "X64", "Hangar-4CPU"], "a"],
    ["the most specific fit", ["hangar-4cpu", "ssd"], "c"],
    ["labels besides the name", ["gpu"], "b"],
    ["nothing for GitHub-hosted", ["ubuntu-latest"], undefined],
    ["nothing for only default labels", ["self-hosted", "linux"], undefined],
    ["nothing when one label is unserved", ["hangar-4cpu", "gpu"], undefined],
  ])("matches by %s", (_name, labels, expected) => {
    expect(matchRunnerConfiguration(labels, configs)?.id).toBe(expected);
  });

  it("lowercases and dedupes significant labels", () => {
    expect(significantJobLabels(["A", "a", "self-hosted"])).toEqual(["a"]);
  });
});

describe("allowsRepository", () => {
  it.each([
    [[], "acme/app", true],
    [["acme/app"], "acme/app", true],
    [["Acme/App"], "acme/app", true],
    [["acme/app", "acme/api"], "ACME/API", true],
    [["acme/app"], "acme/app-legacy", false],
    [["acme/app"], "other/app", false],
  ] as const)("%j serves %s: %s", (allowed, fullName, serves) => {
    expect(allowsRepository(allowed, fullName)).toBe(serves);
  });
});
