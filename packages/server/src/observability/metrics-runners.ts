import { Gauge } from "prom-client";
import type { Kysely } from "kysely";
import { readFleetCounts } from "../storage/runner-fleet.js";
import type { Database } from "../storage/schema.js";
import { jobMilestones, type JobChange } from "./metrics-jobs.js";
import {
  foldRows,
  foldRunner,
  otherRunner,
  runnerLabelNames,
  type RunnerLabels,
} from "./metrics-labels.js";
import type { Metrics } from "./metrics.js";

// The runner side of the metrics. State (ARC's gha_*_runners and job gauges) is read
// from PostgreSQL when Prometheus scrapes, in one query shared by every gauge and
// cached briefly, so that any worker replica reports the fleet, not its own share of
// it. Events (jobs started and completed, JIT registrations, failed instances) are
// counted by the activity that recorded them, labelled by their configuration.

/** Scrapes within this long of each other share one query. */
export const FLEET_CACHE_MS = 5_000;

// A type, not an interface, so that it is a Record<string, number> for foldRows.
type FleetValues = {
  registered: number;
  busy: number;
  idle: number;
  assigned: number;
  running: number;
  desired: number;
  min: number;
  max: number;
};

interface FleetRow {
  labels: RunnerLabels;
  values: FleetValues;
}

const fleetGauges: [keyof FleetValues, string, string][] = [
  ["assigned", "gha_assigned_jobs", "Jobs of the configuration queued for a runner or running."],
  ["running", "gha_running_jobs", "Jobs of the configuration running."],
  ["registered", "gha_registered_runners", "Runners registered with GitHub (idle or busy)."],
  ["busy", "gha_busy_runners", "Runners running a job."],
  ["idle", "gha_idle_runners", "Runners registered and waiting for a job."],
  [
    "desired",
    "gha_desired_runners",
    "Runners the configuration wants: min(max runners, min idle + assigned jobs).",
  ],
  ["min", "gha_min_runners", "The configuration's minimum of idle runners."],
  ["max", "gha_max_runners", "The configuration's maximum of runners."],
];

/** One row per live runner configuration, ordered so that the label cap admits them stably. */
export async function readFleet(db: Kysely<Database>): Promise<FleetRow[]> {
  const fleet = await readFleetCounts(db);
  return fleet.map((row) => ({
    labels: { name: row.name, namespace: row.namespace, workspace: row.workspace },
    values: {
      registered: row.registered,
      busy: row.busy,
      idle: row.idle,
      assigned: row.assigned,
      running: row.running,
      desired: row.desired,
      min: row.minIdle,
      max: row.maxRunners,
    },
  }));
}

/** The gha_* gauges of every live configuration, read at scrape time. */
export function registerRunnerGauges(
  metrics: Metrics,
  db: Kysely<Database>,
  options: { cacheMs?: number } = {},
): void {
  metrics.once("runner-gauges", () => {
    const cacheMs = options.cacheMs ?? FLEET_CACHE_MS;
    let cached: { at: number; rows: Promise<FleetRow[]> } | null = null;
    const snapshot = () => {
      const now = Date.now();
      if (cached === null || now - cached.at >= cacheMs) {
        const rows = readFleet(db).then((fleet) => foldRows(metrics.runnerCap, fleet));
        // A failed read is not kept: the next scrape asks again.
        rows.catch(() => {
          if (cached?.rows === rows) cached = null;
        });
        cached = { at: now, rows };
      }
      return cached.rows;
    };
    for (const [field, name, help] of fleetGauges) {
      new Gauge({
        name,
        help,
        labelNames: runnerLabelNames,
        registers: [metrics.registry],
        async collect() {
          const rows = await snapshot();
          // Configurations deleted since the last scrape must disappear.
          this.reset();
          for (const row of rows) this.set({ ...row.labels }, row.values[field]);
        },
      });
    }
  });
}

/** What the worker's activities report; every method is safe to call after a commit. */
export interface RunnerMetrics {
  /** A jobs row changed (see metrics-jobs.ts); counts the milestones it crossed. */
  jobRecorded(change: JobChange & { runnerId: string | null }): Promise<void>;
  jitMinted(runnerId: string): Promise<void>;
  /** An instance row moved to `failed`; `reason` is a bounded category, not the message. */
  instanceFailed(runnerId: string, reason: string): Promise<void>;
  /** Actions one reconciler round took, by action. */
  reconcilerActions(reconciler: string, counts: Readonly<Record<string, number>>): void;
}

/** How long a configuration's names are remembered; they rarely change. */
const NAMES_TTL_MS = 10 * 60_000;

export function createRunnerMetrics(metrics: Metrics, db: Kysely<Database>): RunnerMetrics {
  const names = new Map<string, { at: number; labels: Promise<RunnerLabels> }>();

  const labelsOf = async (runnerId: string | null): Promise<RunnerLabels> => {
    if (runnerId === null) return otherRunner;
    const now = Date.now();
    let entry = names.get(runnerId);
    if (entry === undefined || now - entry.at >= NAMES_TTL_MS) {
      const labels = db
        .selectFrom("runners as r")
        .innerJoin("workspaces as w", "w.id", "r.workspace_id")
        .select(["r.name", "r.namespace", "w.slug as workspace"])
        .where("r.id", "=", runnerId)
        .executeTakeFirst()
        .then((row) => row ?? otherRunner);
      entry = { at: now, labels };
      names.set(runnerId, entry);
    }
    try {
      return foldRunner(metrics.runnerCap, await entry.labels);
    } catch {
      // A lost label is better than a lost count or a failed activity.
      names.delete(runnerId);
      return otherRunner;
    }
  };

  return {
    async jobRecorded(change) {
      const { started, completed } = jobMilestones(change);
      if (started === null && completed === null) return;
      const labels = await labelsOf(change.runnerId);
      if (started !== null) {
        metrics.jobs.started.inc({ ...labels });
        metrics.jobs.startupSeconds.observe({ ...labels }, started.startupSeconds);
      }
      if (completed !== null) {
        const withResult = { ...labels, job_result: completed.result };
        metrics.jobs.completed.inc(withResult);
        if (completed.executionSeconds !== null) {
          metrics.jobs.executionSeconds.observe(withResult, completed.executionSeconds);
        }
      }
    },
    async jitMinted(runnerId) {
      metrics.jitMinted.inc({ ...(await labelsOf(runnerId)) });
    },
    async instanceFailed(runnerId, reason) {
      metrics.instanceFailures.inc({ ...(await labelsOf(runnerId)), reason });
    },
    reconcilerActions(reconciler, counts) {
      for (const [action, count] of Object.entries(counts)) {
        // Zero still creates the series, so a rate() over it exists before the first action.
        metrics.reconcilerActions.inc({ reconciler, action }, count);
      }
    },
  };
}
