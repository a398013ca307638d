import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "@hangar/testkit";
import { registerRunnerGauges } from "../src/observability/metrics-runners.js";
import { createMetrics } from "../src/observability/metrics.js";
import { completedOnGitHub } from "./runner-burst.js";
import { startRunnerHarness, type RunnerHarness } from "./runner-harness.js";

// Metrics, end to end: webhooks from the simulated GitHub go through the intake to the
// job workflows, a pool starts runners that take the jobs, and then /metrics, scraped
// over HTTP like Prometheus does, must say what the database says: jobs started and
// completed, their durations in the right buckets, JIT registrations, deliveries,
// the outbox, and the runner and job gauges of every configuration.

const BUCKETS = [1, 2, 5, 10, 30, 60, 120];
const metrics = createMetrics({ durationBuckets: BUCKETS, maxLabelValues: 50 });

let h: RunnerHarness;

beforeAll(async () => {
  h = await startRunnerHarness({ metrics });
  // Uncached, so a scrape sees the database as it is at that moment.
  registerRunnerGauges(metrics, h.database.db, { cacheMs: 0 });
});

afterAll(async () => {
  await h.close();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus's text format, the lines this registry writes. */
function parseExposition(text: string): Sample[] {
  return text.split("\n").flatMap((line) => {
    if (line === "" || line.startsWith("#")) return [];
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`unreadable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] ?? ""] = pair[2] ?? "";
    }
    return [{ name: match[1] ?? "", labels, value: Number(match[3]) }];
  });
}

async function scrape(): Promise<Sample[]> {
  if (h.metricsUrl === undefined) throw new Error("the harness serves no metrics");
  const response = await fetch(h.metricsUrl);
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
}

/** The value of the one sample with exactly these labels; 0 when the series is absent. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels);
  const found = samples.filter(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === wanted.length &&
      wanted.every(([key, value]) => s.labels[key] === value),
  );
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.value ?? 0;
}

describe("/metrics", () => {
  it("says what the database says after a run of jobs", { timeout: 240_000 }, async () => {
    const db = h.database.db;
    const small = { name: "metrics-small", minIdle: 1, maxRunners: 4 };
    const smallId = await h.addRunner(small);
    // A configuration without a pool, holding demand it will never serve: its gauges
    // show assigned jobs, and desired runners clamped to its maximum.
    const parkedId = await h.addRunner({ name: "metrics-parked", maxRunners: 2 });
    const parkedJob = (n: number, status: "queued" | "in_progress") => ({
      github_job_id: 77_000_000_000 + n,
      github_run_id: 77_000_000_000,
      run_attempt: 1,
      github_repository_id: h.tenant.repository.id,
      installation_id: h.tenant.installationId,
      workspace_id: h.tenant.workspaceId,
      runner_id: parkedId,
      name: `parked-${n}`,
      head_sha: "4f9d6c1e0b3a2d5c8e7f6a9b0c1d2e3f4a5b6c7d",
      labels: ["metrics-parked"],
      status,
      github_created_at: "2026-03-01T12:00:00Z",
      github_started_at: status === "in_progress" ? "2026-03-01T12:00:05Z" : null,
    });
    await db
      .insertInto("jobs")
      .values([parkedJob(1, "queued"), parkedJob(2, "queued"), parkedJob(3, "in_progress")])
      .execute();

    await h.startPool(smallId);
    const jobIds = await h.queueJobs(
      [1_000, 1_500, 2_000, 3_500, 500].map((durationMs, i) => ({
        name: `metrics-${i}`,
        labels: ["self-hosted", small.name],
        durationMs,
      })),
    );
    await completedOnGitHub(h, jobIds, 150_000);
    // Settled: every job recorded complete, one idle runner left (the minimum).
    await eventually(
      "the jobs recorded complete and the pool back at its minimum",
      async () => {
        const jobs = await db
          .selectFrom("jobs")
          .select("status")
          .where("runner_id", "=", smallId)
          .execute();
        const live = (await h.instances(smallId)).filter(
          (row) => row.state !== "terminated" && row.state !== "failed",
        );
        const settled =
          jobs.length === jobIds.length &&
          jobs.every((job) => job.status === "completed") &&
          live.length === 1 &&
          live[0]?.state === "idle";
        return settled ? true : undefined;
      },
      120_000,
    );

    const slug = (
      await db
        .selectFrom("workspaces")
        .select("slug")
        .where("id", "=", h.tenant.workspaceId)
        .executeTakeFirstOrThrow()
    ).slug;
    const labelsOf = (name: string) => ({ name, namespace: h.namespace.name, workspace: slug });

    /** The same facts twice: as the scrape reports them, and as the database has them. */
    const compare = async () => {
      const samples = await scrape();
      const fromMetrics: Record<string, number> = {};
      const fromDatabase: Record<string, number> = {};
      const put = (key: string, scraped: number, stored: number) => {
        fromMetrics[key] = scraped;
        fromDatabase[key] = stored;
      };

      const smallLabels = labelsOf(small.name);
      const started = await db
        .selectFrom("jobs")
        .select(["conclusion", "queue_seconds", "run_seconds"])
        .where("runner_id", "=", smallId)
        .where("runner_name", "is not", null)
        .where("github_started_at", "is not", null)
        .execute();
      put("started", valueOf(samples, "gha_started_jobs_total", smallLabels), started.length);
      const success = { ...smallLabels, job_result: "success" };
      put(
        "completed success",
        valueOf(samples, "gha_completed_jobs_total", success),
        started.filter((job) => job.conclusion === "success").length,
      );
      for (const le of [...BUCKETS.map(String), "+Inf"]) {
        const bound = le === "+Inf" ? Infinity : Number(le);
        put(
          `startup le ${le}`,
          valueOf(samples, "gha_job_startup_duration_seconds_bucket", { ...smallLabels, le }),
          started.filter((job) => (job.queue_seconds ?? Infinity) <= bound).length,
        );
        put(
          `execution le ${le}`,
          valueOf(samples, "gha_job_execution_duration_seconds_bucket", { ...success, le }),
          started.filter(
            (job) => job.conclusion === "success" && (job.run_seconds ?? Infinity) <= bound,
          ).length,
        );
      }

      // Gauges of every configuration of the workspace, from queries of their own.
      const configurations = await db
        .selectFrom("runners")
        .select(["id", "name", "namespace", "min_idle", "max_runners"])
        .where("workspace_id", "=", h.tenant.workspaceId)
        .where("deleted_at", "is", null)
        .execute();
      for (const configuration of configurations) {
        const labels = { ...labelsOf(configuration.name), namespace: configuration.namespace };
        const instances = await db
          .selectFrom("runner_instances")
          .select("state")
          .where("runner_id", "=", configuration.id)
          .execute();
        const jobs = await db
          .selectFrom("jobs")
          .select("status")
          .where("runner_id", "=", configuration.id)
          .execute();
        const count = <T>(rows: T[], keep: (row: T) => boolean) => rows.filter(keep).length;
        const idle = count(instances, (i) => i.state === "idle");
        const busy = count(instances, (i) => i.state === "busy");
        const assigned = count(jobs, (j) => j.status === "queued" || j.status === "in_progress");
        const stored = {
          gha_idle_runners: idle,
          gha_busy_runners: busy,
          gha_registered_runners: idle + busy,
          gha_assigned_jobs: assigned,
          gha_running_jobs: count(jobs, (j) => j.status === "in_progress"),
          gha_min_runners: configuration.min_idle,
          gha_max_runners: configuration.max_runners,
          gha_desired_runners: Math.min(
            configuration.max_runners,
            configuration.min_idle + assigned,
          ),
        };
        for (const [name, value] of Object.entries(stored)) {
          put(`${configuration.name} ${name}`, valueOf(samples, name, labels), value);
        }
      }

      const minted = await db
        .selectFrom("runner_instances")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("runner_id", "=", smallId)
        .where("github_runner_id", "is not", null)
        .executeTakeFirstOrThrow();
      put(
        "jit minted",
        valueOf(samples, "hangar_jit_configs_minted_total", smallLabels),
        Number(minted.n),
      );

      const deliveries = await db
        .selectFrom("webhook_deliveries")
        .select(["status"])
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .groupBy("status")
        .execute();
      for (const status of ["routed", "ignored", "failed"] as const) {
        put(
          `deliveries ${status}`,
          valueOf(samples, "hangar_webhook_deliveries_total", { outcome: status }),
          Number(deliveries.find((row) => row.status === status)?.n ?? 0),
        );
      }

      const outbox = await sql<{ pending: number; sent: number; dropped: number }>`
          SELECT
            count(*) FILTER (WHERE sent_at IS NULL AND dead_lettered_at IS NULL)::int AS pending,
            count(*) FILTER (WHERE sent_at IS NOT NULL AND last_error IS NULL)::int AS sent,
            count(*) FILTER (WHERE sent_at IS NOT NULL AND last_error IS NOT NULL)::int AS dropped
          FROM signal_outbox
        `.execute(db);
      const row = outbox.rows[0];
      put("outbox depth", valueOf(samples, "hangar_outbox_depth"), row?.pending ?? -1);
      put(
        "signals sent",
        valueOf(samples, "hangar_intake_to_workflow_seconds_count"),
        row?.sent ?? -1,
      );
      put(
        "signals dropped",
        valueOf(samples, "hangar_outbox_signals_total", { result: "dropped" }),
        row?.dropped ?? -1,
      );
      return { fromMetrics, fromDatabase };
    };

    // Gauges read the database at the scrape, and the outbox's are cached briefly: a
    // few scrapes may be needed for both sides to describe the same moment.
    let last = await compare();
    await eventually(
      "the scrape to agree with the database",
      async () => {
        last = await compare();
        return JSON.stringify(last.fromMetrics) === JSON.stringify(last.fromDatabase)
          ? true
          : undefined;
      },
      30_000,
    ).catch(() => undefined);
    expect(last.fromMetrics).toEqual(last.fromDatabase);

    // And the numbers themselves: the run as it was scripted.
    const facts = last.fromDatabase;
    expect(facts["started"]).toBe(jobIds.length);
    expect(facts["completed success"]).toBe(jobIds.length);
    expect(facts["execution le +Inf"]).toBe(jobIds.length);
    expect(facts["metrics-small gha_idle_runners"]).toBe(1);
    expect(facts["metrics-small gha_desired_runners"]).toBe(1);
    expect(facts["metrics-parked gha_assigned_jobs"]).toBe(3);
    expect(facts["metrics-parked gha_running_jobs"]).toBe(1);
    expect(facts["metrics-parked gha_desired_runners"]).toBe(2);
    expect(facts["jit minted"]).toBeGreaterThanOrEqual(jobIds.length);
    expect(facts["deliveries routed"]).toBeGreaterThan(jobIds.length);
    expect(facts["outbox depth"]).toBe(0);
    // The recorder in front of GitHub saw exactly the registrations counted.
    const mintedOnGitHub = h.recorder
      .registrations()
      .filter((r) => r.status === 201 && r.name.startsWith(`${small.name}-`)).length;
    expect(facts["jit minted"]).toBe(mintedOnGitHub);
  });
});
