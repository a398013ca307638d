import { describe, expect, it } from "vitest";
import {
  findRunnerGroup,
  planRunnerGroup,
  planRunnerGroupSweep,
  runnerGroupName,
  runnerIdOfGroup,
  type GroupedConfiguration,
} from "./runner-group.js";

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

describe("runnerIdOfGroup", () => {
  const id = "0b6a3c1e-5d2f-4a8b-9c7d-1e2f3a4b5c6d";
  it.each([
    { name: runnerGroupName(id), expected: id },
    { name: `HANGAR-${id.toUpperCase()}`, expected: id },
    { name: "Default", expected: null },
    { name: "hangar-gpu", expected: null },
    { name: `other-${id}`, expected: null },
    { name: `hangar-${id}-x`, expected: null },
  ])("$name is $expected", ({ name, expected }) => {
    expect(runnerIdOfGroup(name)).toBe(expected);
  });
});

describe("planRunnerGroupSweep", () => {
  const ids = {
    listed: "00000000-0000-4000-8000-000000000001",
    deleted: "00000000-0000-4000-8000-000000000002",
    cleared: "00000000-0000-4000-8000-000000000003",
    gone: "00000000-0000-4000-8000-000000000004",
    unknownRepos: "00000000-0000-4000-8000-000000000005",
    draining: "00000000-0000-4000-8000-000000000006",
  };
  const configuration = (
    id: string,
    fields: Partial<GroupedConfiguration>,
  ): [string, GroupedConfiguration] => [
    id,
    { id, repositoryIds: [], allowListed: true, deleted: false, ...fields },
  ];
  const configurations = new Map([
    configuration(ids.listed, { repositoryIds: [30, 10, 30] }),
    configuration(ids.deleted, { repositoryIds: [10], deleted: true }),
    configuration(ids.cleared, { allowListed: false }),
    configuration(ids.unknownRepos, {}),
    configuration(ids.draining, { repositoryIds: [20] }),
  ]);

  it("reconciles live allow-lists, deletes the groups of deleted, gone and cleared ones", () => {
    const groups = [
      { name: "Default" },
      { name: "gpu-runners" },
      ...Object.values(ids).map((id) => ({ name: runnerGroupName(id) })),
    ];
    expect(planRunnerGroupSweep(groups, configurations)).toEqual([
      { kind: "reconcile", group: runnerGroupName(ids.listed), repositoryIds: [10, 30] },
      {
        kind: "delete",
        group: runnerGroupName(ids.deleted),
        reason: "its configuration is deleted",
      },
      {
        kind: "delete",
        group: runnerGroupName(ids.cleared),
        reason: "its configuration serves every repository now",
      },
      { kind: "delete", group: runnerGroupName(ids.gone), reason: "its configuration is gone" },
      // unknownRepos: none of its repositories is known; the launch refuses it, the sweep
      // leaves its group as it is.
      { kind: "reconcile", group: runnerGroupName(ids.draining), repositoryIds: [20] },
    ]);
  });

  it("touches no group that is not Hangar's", () => {
    expect(planRunnerGroupSweep([{ name: "Default" }, { name: "hangar" }], configurations)).toEqual(
      [],
    );
  });
});
