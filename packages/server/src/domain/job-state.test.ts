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
    const decision = decideJobEvent(progress, status);
    if (decision.record) recorded.push(status);
    if (decision.demand !== null) demand.push(decision.demand);
    progress = decision.next;
  }
  return { recorded, demand, status: progress.status };
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
