import { describe, expect, it } from "vitest";
import {
  defaultSweepSettings,
  planRunnerSweep,
  stateDeadlineMs,
  type SweepGitHubRunner,
  type SweepInput,
  type SweepInstance,
  type SweepPod,
} from "./runner-sweep.js";

const MIN = 60_000;
const NOW = 1_000 * MIN;
const settings = defaultSweepSettings; // bootstrap 5, idle 5, grace 2 (minutes)
const scope = { org: "acme" };

const pod = (name: string, ageMin: number, extra: Partial<SweepPod> = {}): SweepPod => ({
  namespace: "ws-acme",
  name,
  instanceName: name,
  installationId: 7,
  createdAtMs: NOW - ageMin * MIN,
  ended: false,
  ...extra,
});

const instance = (
  name: string,
  state: SweepInstance["state"],
  ageMin: number,
  workflowRunning: boolean | null = true,
): SweepInstance => ({
  name,
  state,
  namespace: "ws-acme",
  installationId: 7,
  updatedAtMs: NOW - ageMin * MIN,
  workflowRunning,
});

const runner = (name: string, extra: Partial<SweepGitHubRunner> = {}): SweepGitHubRunner => ({
  installationId: 7,
  scope,
  id: name.length * 1000 + name.charCodeAt(name.length - 1),
  name,
  labels: ["self-hosted", "linux", "big", "hangar-managed"],
  busy: false,
  ...extra,
});

function plan(input: Partial<SweepInput>) {
  return planRunnerSweep({
    nowMs: NOW,
    pods: [],
    runners: [],
    listedInstallations: new Set([7]),
    instances: [],
    settings,
    ...input,
  });
}

const kinds = (input: Partial<SweepInput>) =>
  plan(input).actions.map((action) => {
    switch (action.kind) {
      case "delete-pod":
        return `${action.kind} ${action.name}`;
      case "delete-github-runner":
        return `${action.kind} ${action.name}`;
      case "abandon-instance":
        return `${action.kind} ${action.instance.name}`;
      case "cancel-instance":
        return `${action.kind} ${action.instanceName}`;
    }
  });

describe("planRunnerSweep: pods", () => {
  it.each([
    // [case, pod age (min), instance, registered on GitHub, expected]
    ["healthy idle runner", 20, instance("r1", "idle", 1), true, []],
    ["young pod, not registered yet", 4, instance("r1", "registering", 4), false, []],
    ["inside grace after bootstrap", 6, instance("r1", "registering", 6), false, []],
    [
      "no GitHub runner after bootstrap + grace",
      8,
      instance("r1", "registering", 3),
      false,
      ["delete-pod r1"],
    ],
    ["busy instance is its workflow's business", 60, instance("r1", "busy", 50), false, []],
    ["no instance record, young", 1, undefined, false, []],
    [
      "no instance record, old: pod and runner",
      3,
      undefined,
      true,
      ["delete-pod r1", "delete-github-runner r1"],
    ],
    [
      "instance already terminated: pod and runner",
      3,
      instance("r1", "terminated", 1, null),
      true,
      ["delete-pod r1", "delete-github-runner r1"],
    ],
  ] as const)("%s", (_case, age, inst, registered, expected) => {
    expect(
      kinds({
        pods: [pod("r1", age)],
        instances: inst === undefined ? [] : [inst],
        runners: registered ? [runner("r1")] : [],
      }),
    ).toEqual(expected);
  });

  it("leaves pods alone when their installation's runners could not be listed", () => {
    expect(
      kinds({
        pods: [pod("r1", 30)],
        instances: [instance("r1", "registering", 1)],
        listedInstallations: new Set(),
      }),
    ).toEqual([]);
  });

  it("leaves an ended pod of a live instance to its workflow", () => {
    expect(
      kinds({ pods: [pod("r1", 30, { ended: true })], instances: [instance("r1", "idle", 1)] }),
    ).toEqual([]);
  });

  it("deletes an old pod that lost its instance label", () => {
    expect(kinds({ pods: [pod("x", 10, { instanceName: null })] })).toEqual(["delete-pod x"]);
  });
});

describe("planRunnerSweep: GitHub runners", () => {
  it("deletes Hangar's runners that no live instance owns, and skips busy ones", () => {
    const result = plan({
      runners: [
        runner("orphan"),
        runner("orphan-busy", { busy: true }),
        runner("owned"),
        runner("finished"),
        runner("someone-elses", { labels: ["self-hosted", "gpu"] }),
      ],
      instances: [instance("owned", "idle", 1), instance("finished", "failed", 30, null)],
    });
    expect(
      result.actions.map((a) => (a.kind === "delete-github-runner" ? a.name : a.kind)),
    ).toEqual(["orphan", "finished"]);
    expect(result.skippedBusyRunners).toBe(1);
  });

  it("matches the controller label case-insensitively, as GitHub does", () => {
    expect(kinds({ runners: [runner("r", { labels: ["Hangar-Managed"] })] })).toEqual([
      "delete-github-runner r",
    ]);
  });
});

describe("planRunnerSweep: instances", () => {
  it("abandons a live instance whose workflow is gone, once past the grace period", () => {
    expect(
      kinds({
        instances: [instance("gone", "idle", 3, false), instance("just-ended", "idle", 1, false)],
        pods: [pod("gone", 30)],
        runners: [runner("gone")],
      }),
    ).toEqual(["abandon-instance gone"]);
  });

  it.each([
    ["registering", 6, []],
    ["registering", 8, ["cancel-instance r"]],
    ["idle", 8, ["cancel-instance r"]],
    ["busy", 8 * 60, []],
    ["terminating", 31, ["cancel-instance r"]],
  ] as const)(
    "cancels a running workflow stuck %s for %i min only past its deadline",
    (state, age, expected) => {
      expect(kinds({ instances: [instance("r", state, age)] })).toEqual(expected);
    },
  );

  it("has no deadline for ended instances", () => {
    expect(stateDeadlineMs("terminated", settings)).toBeNull();
    expect(stateDeadlineMs("failed", settings)).toBeNull();
  });
});
