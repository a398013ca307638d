import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { rateLimitSeries } from "./metrics-github.js";
import { deliveryOutcome, recordRelayRound } from "./metrics-intake.js";
import { jobMilestones, type JobChange } from "./metrics-jobs.js";
import { createLabelCap, foldRows, foldRunner, OTHER } from "./metrics-labels.js";
import { serveMetrics } from "./metrics-server.js";
import { createMetrics } from "./metrics.js";

const runner = (workspace: string, name: string) => ({
  name,
  namespace: `ns-${workspace}`,
  workspace,
});

/** One sample's value from the exposition text, or undefined when the series is absent. */
async function sample(
  metrics: ReturnType<typeof createMetrics>,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const families = await metrics.registry.getMetricsAsJSON();
  for (const family of families) {
    for (const value of family.values) {
      const valueName = "metricName" in value ? value.metricName : family.name;
      if (valueName !== name) continue;
      const matches = Object.entries(labels).every(
        ([key, expected]) => String(value.labels[key]) === expected,
      );
      if (matches && Object.keys(value.labels).length === Object.keys(labels).length) {
        return value.value;
      }
    }
  }
  return undefined;
}

describe("label cap", () => {
  it("admits the first values and folds the rest into other, for good", () => {
    const cap = createLabelCap(2);
    expect(cap.fold("a")).toBe("a");
    expect(cap.fold("b")).toBe("b");
    expect(cap.fold("c")).toBe(OTHER);
    // Admitted values stay admitted; a later one never takes a slot.
    expect(cap.fold("a")).toBe("a");
    expect(cap.fold("c")).toBe(OTHER);
    expect(cap.size()).toBe(2);
  });

  it("folds a configuration's labels together", () => {
    const cap = createLabelCap(1);
    expect(foldRunner(cap, runner("acme", "small"))).toEqual(runner("acme", "small"));
    expect(foldRunner(cap, runner("acme", "large"))).toEqual({
      name: OTHER,
      namespace: OTHER,
      workspace: OTHER,
    });
  });

  it("sums the rows of folded configurations, keeping the admitted ones apart", () => {
    const cap = createLabelCap(2);
    const rows = foldRows(cap, [
      { labels: runner("a", "one"), values: { busy: 1, idle: 2 } },
      { labels: runner("a", "two"), values: { busy: 3, idle: 0 } },
      { labels: runner("b", "one"), values: { busy: 5, idle: 1 } },
      { labels: runner("c", "one"), values: { busy: 7, idle: 4 } },
    ]);
    expect(rows).toEqual([
      { labels: runner("a", "one"), values: { busy: 1, idle: 2 } },
      { labels: runner("a", "two"), values: { busy: 3, idle: 0 } },
      {
        labels: { name: OTHER, namespace: OTHER, workspace: OTHER },
        values: { busy: 12, idle: 5 },
      },
    ]);
  });

  it("folds installations beyond the cap into one series showing the lowest remaining", () => {
    const metrics = createMetrics({ maxLabelValues: 1 });
    const state = (remaining: number) => ({ limit: 5000, remaining, resetAt: 0, resource: "core" });
    const series = rateLimitSeries(metrics, {
      installations: { 1: state(4000), 2: state(300), 3: state(900) },
      app: state(4990),
      endpoints: {},
      inFlight: 0,
      waiting: 0,
    });
    expect(series.map((s) => [s.labels.installation, s.state.remaining])).toEqual([
      ["1", 4000],
      [OTHER, 300],
      ["app", 4990],
    ]);
  });
});

describe("histogram buckets", () => {
  it("puts job durations in the configured buckets", async () => {
    const metrics = createMetrics({ durationBuckets: [10, 60, 300] });
    const labels = runner("acme", "small");
    for (const seconds of [3, 10, 11, 59.5, 299, 301, 4000]) {
      metrics.jobs.startupSeconds.observe(labels, seconds);
    }
    const bucket = (le: string) =>
      sample(metrics, "gha_job_startup_duration_seconds_bucket", { ...labels, le });
    // Cumulative, with the bound itself inside its bucket (le means ≤).
    expect(await bucket("10")).toBe(2);
    expect(await bucket("60")).toBe(4);
    expect(await bucket("300")).toBe(5);
    expect(await bucket("+Inf")).toBe(7);
    expect(await sample(metrics, "gha_job_startup_duration_seconds_count", labels)).toBe(7);
    expect(await sample(metrics, "gha_job_startup_duration_seconds_sum", labels)).toBeCloseTo(
      4683.5,
    );
  });

  it("measures intake-to-workflow latency in seconds", async () => {
    const metrics = createMetrics();
    recordRelayRound(metrics, {
      sentLatenciesMs: [4, 40, 400],
      dropped: 1,
      failed: 2,
      deadLettered: 0,
    });
    const bucket = (le: string) =>
      sample(metrics, "hangar_intake_to_workflow_seconds_bucket", { le });
    expect(await bucket("0.005")).toBe(1);
    expect(await bucket("0.05")).toBe(2);
    expect(await bucket("0.5")).toBe(3);
    expect(await sample(metrics, "hangar_outbox_signals_total", { result: "sent" })).toBe(3);
    expect(await sample(metrics, "hangar_outbox_signals_total", { result: "failed" })).toBe(2);
  });
});

describe("jobMilestones", () => {
  const after = (overrides: Partial<JobChange["after"]>): JobChange["after"] => ({
    status: "in_progress",
    conclusion: null,
    queueSeconds: 12,
    runSeconds: null,
    runnerName: "small-abc",
    ...overrides,
  });

  it.each<[string, JobChange, boolean, string | null]>([
    [
      "queued",
      { before: null, after: after({ status: "queued", runnerName: null, queueSeconds: null }) },
      false,
      null,
    ],
    ["queued → in_progress", { before: "queued", after: after({}) }, true, null],
    ["waiting → in_progress", { before: "waiting", after: after({}) }, true, null],
    [
      "in_progress → completed",
      {
        before: "in_progress",
        after: after({ status: "completed", conclusion: "success", runSeconds: 30 }),
      },
      false,
      "success",
    ],
    [
      "completed first (in_progress never seen)",
      {
        before: "queued",
        after: after({ status: "completed", conclusion: "failure", runSeconds: 5 }),
      },
      true,
      "failure",
    ],
    [
      "cancelled in the queue",
      {
        before: "queued",
        after: after({
          status: "completed",
          conclusion: "cancelled",
          runnerName: null,
          runSeconds: 0,
        }),
      },
      false,
      "cancelled",
    ],
  ])("%s", (_name, change, started, result) => {
    const milestones = jobMilestones(change);
    expect(milestones.started !== null).toBe(started);
    expect(milestones.completed?.result ?? null).toBe(result);
    if (milestones.started) expect(milestones.started.startupSeconds).toBe(12);
    if (milestones.completed && change.after.runnerName === null) {
      expect(milestones.completed.executionSeconds).toBeNull();
    }
  });
});

describe("deliveryOutcome", () => {
  it.each<[number, unknown, string]>([
    [202, { ok: true, status: "routed", signals: 1 }, "routed"],
    [202, { ok: true, status: "ignored", reason: "x" }, "ignored"],
    [200, { duplicate: true }, "duplicate"],
    [200, { ok: true }, "ignored"],
    [401, { error: "invalid signature" }, "rejected"],
    [400, { error: "malformed JSON" }, "invalid"],
    [415, null, "invalid"],
    [413, null, "too_large"],
    [422, { error: "unexpected payload" }, "failed"],
    [500, null, "error"],
  ])("%i %j is %s", (status, body, outcome) => {
    expect(deliveryOutcome(status, body)).toBe(outcome);
  });
});

describe("serveMetrics", () => {
  it("serves the registry on its own port, shared by the roles of a process", async () => {
    const metrics = createMetrics();
    const logger = createLogger({ level: "silent" });
    metrics.deliveries.inc({ outcome: "routed" }, 3);
    const first = await serveMetrics(metrics, { host: "127.0.0.1", port: 0 }, logger);
    const second = await serveMetrics(metrics, { host: "127.0.0.1", port: 0 }, logger);
    expect(second.url).toBe(first.url);

    const response = await fetch(first.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toContain('hangar_webhook_deliveries_total{outcome="routed"} 3');
    // Node's default metrics, under Hangar's prefix.
    expect(text).toMatch(/^hangar_process_cpu_user_seconds_total /m);
    expect((await fetch(first.url.replace("/metrics", "/other"))).status).toBe(404);

    // The listener stays while one holder remains.
    await first.stop();
    expect((await fetch(second.url)).status).toBe(200);
    await second.stop();
    await expect(fetch(second.url)).rejects.toThrow();
  });
});
