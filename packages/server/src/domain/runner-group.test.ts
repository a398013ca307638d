import { describe, expect, it } from "vitest";
import { findRunnerGroup, planRunnerGroup, runnerGroupName } from "./runner-group.js";

const group = { id: 7, name: "hangar-r1", visibility: "selected", allowsPublicRepositories: true };

describe("planRunnerGroup", () => {
  it.each([
    {
      case: "a missing group is created with the repositories, sorted and once each",
      existing: undefined,
      current: null,
      wanted: [30, 10, 30],
      steps: [{ kind: "create", name: "hangar-r1", repositoryIds: [10, 30] }],
    },
    {
      case: "a group as wanted needs nothing",
      existing: group,
      current: [30, 10],
      wanted: [10, 30],
      steps: [],
    },
    {
      case: "a changed allow-list sets the repositories",
      existing: group,
      current: [10, 30],
      wanted: [10],
      steps: [{ kind: "set-repositories", id: 7, repositoryIds: [10] }],
    },
    {
      case: "unknown repositories are set",
      existing: group,
      current: null,
      wanted: [10],
      steps: [{ kind: "set-repositories", id: 7, repositoryIds: [10] }],
    },
    {
      case: "a group opened to all repositories is restricted again",
      existing: { ...group, visibility: "all" },
      current: [10],
      wanted: [10],
      steps: [{ kind: "restrict", id: 7, name: "hangar-r1" }],
    },
    {
      case: "a group closed to public repositories is reopened to the listed ones",
      existing: { ...group, allowsPublicRepositories: false },
      current: [],
      wanted: [10],
      steps: [
        { kind: "restrict", id: 7, name: "hangar-r1" },
        { kind: "set-repositories", id: 7, repositoryIds: [10] },
      ],
    },
  ])("$case", ({ existing, current, wanted, steps }) => {
    expect(
      planRunnerGroup(existing, current, { name: "hangar-r1", repositoryIds: wanted }),
    ).toEqual(steps);
  });
});

describe("runner group names", () => {
  it("names the group by the configuration's id and finds it case-insensitively", () => {
    const name = runnerGroupName("0b6f3c1e-7a53-4c3c-9f0e-1d2a3b4c5d6e");
    expect(name).toBe("hangar-0b6f3c1e-7a53-4c3c-9f0e-1d2a3b4c5d6e");
    expect(findRunnerGroup([{ ...group, name: name.toUpperCase() }], name)?.id).toBe(7);
    expect(findRunnerGroup([group], "hangar-other")).toBeUndefined();
  });
});
