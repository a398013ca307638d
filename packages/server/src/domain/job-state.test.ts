import { describe, expect, it } from "vitest";
import {
  decideJobEvent,
  initialJobProgress,
  recordableStartedAt,
  type DemandKind,
  type JobProgress,
  type JobStatus,
} from "./job-state.js";

/** Feeds events in order; returns what was recorded and demanded, and the final status. */
function replay(events: JobStatus[]) {
  let progress: JobProgress = initialJobProgress;
  const recorded: JobStatus[] = [];
  const demand: DemandKind[] = [];
  for (const status of events) {
    const decision = decideJobEvent(progress, { status, hasDeployment: false, current: false });
    if (decision.record) recorded.push(status);
    if (decision.demand !== null) demand.push(decision.demand);
    expect(decision.check).toBe(false);
    progress = decision.next;
  }
  return { recorded, demand, status: progress.status };
}

/** What GitHub's API answers to a check: a status, or no answer (the call failed). */
type Answer = JobStatus | "no answer";

/**
 * Feeds the events of a job with a deployment; each check the rules ask for takes the
 * next answer and feeds it back as a current observation, as the workflow does.
 * `current:` steps are GitHub's answers to the workflow's stale-job check.
 */
function replayDeployment(steps: (JobStatus | `current:${JobStatus}`)[], answers: Answer[]) {
  let progress: JobProgress = initialJobProgress;
  const recorded: JobStatus[] = [];
  const demand: DemandKind[] = [];
  const pending = [...answers];
  let checks = 0;
  const observe = (status: JobStatus, current: boolean): void => {
    const decision = decideJobEvent(progress, { status, hasDeployment: true, current });
    if (decision.record) recorded.push(status);
    if (decision.demand !== null) demand.push(decision.demand);
    progress = decision.next;
    if (!decision.check) return;
    checks += 1;
    const answer = pending.shift();
    if (answer === undefined) throw new Error("a check nobody scripted an answer for");
    if (answer !== "no answer") observe(answer, true);
  };
  for (const step of steps) {
    if (step.startsWith("current:")) observe(step.slice("current:".length) as JobStatus, true);
    else observe(step as JobStatus, false);
  }
  expect(pending).toEqual([]);
  return { recorded, demand, checks, status: progress.status };
}

describe("decideJobEvent", () => {
  it.each<[string, JobStatus[], JobStatus[], DemandKind[], JobStatus]>([
    [
      "in order",
      ["queued", "in_progress", "completed"],
      ["queued", "in_progress", "completed"],
      ["queued", "started", "finished"],
      "completed",
    ],
    [
      "duplicates are no-ops",
      ["queued", "queued", "in_progress", "in_progress", "completed", "completed"],
      ["queued", "in_progress", "completed"],
      ["queued", "started", "finished"],
      "completed",
    ],
    [
      "late events are no-ops",
      ["in_progress", "queued", "completed", "in_progress"],
      ["in_progress", "completed"],
      ["started", "finished"],
      "completed",
    ],
    [
      "completed before anything",
      ["completed", "queued", "in_progress", "completed", "queued"],
      ["completed"],
      ["finished"],
      "completed",
    ],
    ["skipped: completed only", ["completed"], ["completed"], ["finished"], "completed"],
    [
      "approval: queued, waiting, queued",
      ["queued", "waiting", "queued"],
      ["queued", "waiting"],
      ["queued"],
      "waiting",
    ],
    [
      "approval shuffled: waiting first",
      ["waiting", "queued", "queued"],
      ["waiting"],
      ["queued"],
      "waiting",
    ],
    [
      "approval, then a runner",
      ["waiting", "queued", "in_progress", "completed"],
      ["waiting", "in_progress", "completed"],
      ["queued", "started", "finished"],
      "completed",
    ],
    [
      "waiting after in_progress is late",
      ["in_progress", "waiting", "queued"],
      ["in_progress"],
      ["started"],
      "in_progress",
    ],
  ])("%s", (_name, events, recorded, demand, status) => {
    expect(replay(events)).toEqual({ recorded, demand, status });
  });
});

describe("decideJobEvent for a job with a deployment", () => {
  it.each<[string, Parameters<typeof replayDeployment>, ReturnType<typeof replayDeployment>]>([
    [
      "queued while GitHub holds it for an approval: no demand until the approval's queued",
      [
        ["queued", "waiting", "queued"],
        ["waiting", "queued"],
      ],
      { recorded: ["queued", "waiting"], demand: ["queued"], checks: 2, status: "waiting" },
    ],
    [
      "an environment without protection rules: GitHub says queued at once",
      [["queued"], ["queued"]],
      { recorded: ["queued"], demand: ["queued"], checks: 1, status: "queued" },
    ],
    [
      "shuffled: the queued sent before the approval arrives after waiting",
      [["waiting", "queued"], ["waiting"]],
      { recorded: ["waiting"], demand: [], checks: 1, status: "waiting" },
    ],
    [
      "approved and taken by a runner before the check",
      [["queued", "in_progress"], ["in_progress"]],
      {
        recorded: ["queued", "in_progress"],
        demand: ["started"],
        checks: 1,
        status: "in_progress",
      },
    ],
    [
      "a duplicate queued after the demand opened asks nothing",
      [["queued", "queued"], ["queued"]],
      { recorded: ["queued"], demand: ["queued"], checks: 1, status: "queued" },
    ],
    [
      "a late queued after in_progress asks nothing",
      [["in_progress", "queued", "completed"], []],
      {
        recorded: ["in_progress", "completed"],
        demand: ["started", "finished"],
        checks: 0,
        status: "completed",
      },
    ],
    [
      "GitHub cannot be asked: demand stays held until the stale check says queued",
      [["queued", "current:queued"], ["no answer"]],
      { recorded: ["queued"], demand: ["queued"], checks: 1, status: "queued" },
    ],
    [
      "the stale check finds the approval whose queued event was lost",
      [["queued", "current:queued"], ["waiting"]],
      { recorded: ["queued", "waiting"], demand: ["queued"], checks: 1, status: "waiting" },
    ],
  ])("%s", (_name, [steps, answers], expected) => {
    expect(replayDeployment(steps, answers)).toEqual(expected);
  });

  it("opens demand for any job when GitHub's API says queued while it waits here", () => {
    const waiting = decideJobEvent(initialJobProgress, {
      status: "waiting",
      hasDeployment: false,
      current: false,
    });
    const approved = decideJobEvent(waiting.next, {
      status: "queued",
      hasDeployment: false,
      current: true,
    });
    expect([waiting.demand, approved.demand, approved.record]).toEqual([null, "queued", false]);
  });
});

describe("recordableStartedAt", () => {
  it.each<[JobStatus, string | null]>([
    ["queued", null],
    ["waiting", null],
    ["in_progress", "2026-03-01T12:00:10Z"],
    ["completed", "2026-03-01T12:00:10Z"],
  ])("%s", (status, expected) => {
    expect(recordableStartedAt(status, "2026-03-01T12:00:10Z")).toBe(expected);
  });
});
