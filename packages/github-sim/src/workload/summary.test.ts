import { describe, expect, it } from "vitest";
import type { JobView } from "../control/types.js";
import { percentile, summarizeJobs } from "./summary.js";

function job(
  status: JobView["status"],
  conclusion: JobView["conclusion"],
  queueSeconds: number | null,
): JobView {
  const created = Date.parse("2025-01-01T00:00:00Z");
  return {
    id: 1,
    runId: 1,
    runAttempt: 1,
    name: "test",
    workflowName: "ci",
    headBranch: "main",
    headSha: "0".repeat(40),
    labels: ["x"],
    status,
    conclusion,
    createdAt: new Date(created).toISOString(),
    startedAt: queueSeconds === null ? null : new Date(created + queueSeconds * 1000).toISOString(),
    completedAt: status === "completed" ? new Date(created + 60_000).toISOString() : null,
    runnerId: null,
    runnerName: null,
    runnerGroupId: null,
    runnerGroupName: null,
    steps: [],
    repository: "acme/web",
    installationId: 1,
    environment: null,
  };
}

describe("summarising jobs", () => {
  it("counts outcomes and queue-time percentiles of started jobs", () => {
    const summary = summarizeJobs([
      job("completed", "success", 2),
      job("completed", "success", 4),
      job("completed", "failure", 6),
      job("completed", "cancelled", null),
      job("completed", "skipped", null),
      job("in_progress", null, 10),
      job("queued", null, null),
    ]);
    expect(summary).toEqual({
      total: 7,
      completed: 5,
      succeeded: 2,
      failed: 1,
      cancelled: 1,
      other: 1,
      queueMs: { p50: 4_000, p90: 10_000 },
    });
  });

  it("has no queue times before a job starts", () => {
    expect(summarizeJobs([job("queued", null, null)]).queueMs).toBeNull();
  });

  it.each([
    [[1], 0.5, 1],
    [[1, 2], 0.5, 1],
    [[1, 2, 3, 4], 0.5, 2],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9, 9],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.91, 10],
  ])("percentile of %j at %f is %i", (values, q, expected) => {
    expect(percentile(values, q)).toBe(expected);
  });
});
