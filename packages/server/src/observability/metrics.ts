import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import { createLabelCap, runnerLabelNames, type LabelCap } from "./metrics-labels.js";

// One registry per process, built by the composition root and handed to whatever
// counts something. Names follow actions-runner-controller's listener where it has the
// metric (gha_*), so its dashboards and alerts work on Hangar; the rest are hangar_*.
// Counters here are events, incremented where the event happens and only once the
// database says it happened; gauges of state are read from PostgreSQL at scrape time
// (metrics-runners.ts, metrics-outbox.ts), so every replica reports the same numbers.

export interface MetricsSettings {
  /** Upper bounds (seconds) of the job startup and execution duration buckets. */
  readonly durationBuckets: readonly number[];
  /** Distinct runner configurations (and installations) with series of their own. */
  readonly maxLabelValues: number;
}

/**
 * Bounds for CI durations: seconds for a warm runner taking a job, minutes for a
 * cold start or a typical build, hours for the longest jobs GitHub allows (6 h).
 */
export const DEFAULT_DURATION_BUCKETS: readonly number[] = [
  1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800, 3600, 7200, 21600,
];

export const DEFAULT_MAX_LABEL_VALUES = 200;

/** Delivery → signal accepted by Temporal; the relay's own buckets, in seconds. */
export const INTAKE_LATENCY_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** What became of one webhook delivery, from the intake's answer. */
export type DeliveryOutcome =
  "routed" | "ignored" | "duplicate" | "failed" | "rejected" | "invalid" | "too_large" | "error";

export const deliveryOutcomes: readonly DeliveryOutcome[] = [
  "routed",
  "ignored",
  "duplicate",
  "failed",
  "rejected",
  "invalid",
  "too_large",
  "error",
];

export interface Metrics {
  readonly registry: Registry;
  readonly settings: MetricsSettings;
  /** Runner configurations with series of their own (shared by every runner metric). */
  readonly runnerCap: LabelCap;
  readonly installationCap: LabelCap;
  readonly jobs: {
    readonly started: Counter<"name" | "namespace" | "workspace">;
    readonly completed: Counter<"name" | "namespace" | "workspace" | "job_result">;
    readonly startupSeconds: Histogram<"name" | "namespace" | "workspace">;
    readonly executionSeconds: Histogram<"name" | "namespace" | "workspace" | "job_result">;
  };
  readonly jitMinted: Counter<"name" | "namespace" | "workspace">;
  readonly instanceFailures: Counter<"name" | "namespace" | "workspace" | "reason">;
  readonly reconcilerActions: Counter<"reconciler" | "action">;
  readonly deliveries: Counter<"outcome">;
  readonly outboxSignals: Counter<"result">;
  readonly intakeToWorkflowSeconds: Histogram;
  /**
   * Things registered once per process (scrape-time gauges), whichever role asks first:
   * in the dev role the intake and the worker share this registry.
   */
  once(key: string, register: () => void): void;
}

export function createMetrics(settings: Partial<MetricsSettings> = {}): Metrics {
  const resolved: MetricsSettings = {
    durationBuckets: settings.durationBuckets ?? DEFAULT_DURATION_BUCKETS,
    maxLabelValues: settings.maxLabelValues ?? DEFAULT_MAX_LABEL_VALUES,
  };
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "hangar_" });
  const registers = [registry];
  const buckets = [...resolved.durationBuckets];
  const registered = new Set<string>();

  return {
    registry,
    settings: resolved,
    runnerCap: createLabelCap(resolved.maxLabelValues),
    installationCap: createLabelCap(resolved.maxLabelValues),
    jobs: {
      started: new Counter({
        name: "gha_started_jobs_total",
        help: "Jobs a runner of the configuration started, counted once when the job's row first shows it running.",
        labelNames: runnerLabelNames,
        registers,
      }),
      completed: new Counter({
        name: "gha_completed_jobs_total",
        help: "Jobs of the configuration that completed, by GitHub's conclusion.",
        labelNames: [...runnerLabelNames, "job_result"],
        registers,
      }),
      startupSeconds: new Histogram({
        name: "gha_job_startup_duration_seconds",
        help: "From the job's creation to a runner starting it (GitHub's timestamps).",
        labelNames: runnerLabelNames,
        buckets,
        registers,
      }),
      executionSeconds: new Histogram({
        name: "gha_job_execution_duration_seconds",
        help: "From a runner starting the job to its completion (GitHub's timestamps).",
        labelNames: [...runnerLabelNames, "job_result"],
        buckets,
        registers,
      }),
    },
    jitMinted: new Counter({
      name: "hangar_jit_configs_minted_total",
      help: "Just-in-time runner registrations created on GitHub.",
      labelNames: runnerLabelNames,
      registers,
    }),
    instanceFailures: new Counter({
      name: "hangar_runner_instance_failures_total",
      help: "Runner instances that ended failed, by reason (failed-start, lost, disrupted, abandoned).",
      labelNames: [...runnerLabelNames, "reason"],
      registers,
    }),
    reconcilerActions: new Counter({
      name: "hangar_reconciler_actions_total",
      help: "Changes made by the reconcilers (runner sweep, workspace convergence), by action.",
      labelNames: ["reconciler", "action"],
      registers,
    }),
    deliveries: new Counter({
      name: "hangar_webhook_deliveries_total",
      help: "Webhook deliveries answered by the intake, by outcome.",
      labelNames: ["outcome"],
      registers,
    }),
    outboxSignals: new Counter({
      name: "hangar_outbox_signals_total",
      help: "Outbox rows the relay handled: sent, dropped (workflow completed), failed (retried) or dead_lettered.",
      labelNames: ["result"],
      registers,
    }),
    intakeToWorkflowSeconds: new Histogram({
      name: "hangar_intake_to_workflow_seconds",
      help: "From a delivery's acceptance to Temporal accepting its signal.",
      buckets: [...INTAKE_LATENCY_BUCKETS],
      registers,
    }),
    once(key, register) {
      if (registered.has(key)) return;
      registered.add(key);
      register();
    },
  };
}
