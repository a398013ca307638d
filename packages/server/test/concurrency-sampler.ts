import type { CoreV1Api } from "@kubernetes/client-node";
import { sql, type Kysely } from "kysely";
import { liveInstanceStates } from "../src/activities/runner-configurations.js";
import { hangarLabels } from "../src/kubernetes/labels.js";
import type { Database } from "../src/storage/schema.js";

// Test-only: polls, as an operator's dashboard would, how many runners each
// configuration has right now: its pods in the namespace and its live
// runner_instances rows (the count admission checks against maxRunners). Each poll is
// one consistent listing and one query; the maxima are what a burst reached.

export interface ConcurrencyPeaks {
  /** Pods of the configuration present in one listing. */
  pods: number;
  /** Of those, pods not yet ended (Succeeded, Failed or being deleted). */
  activePods: number;
  /** Live (pending … terminating) instance rows in one query. */
  rows: number;
}

export interface ConcurrencySampler {
  /** Stops polling; the peaks per configuration id, and how many polls were made. */
  stop(): Promise<{ peaks: Map<string, ConcurrencyPeaks>; samples: number }>;
}

export function startConcurrencySampler(input: {
  db: Kysely<Database>;
  core: CoreV1Api;
  namespace: string;
  intervalMs: number;
}): ConcurrencySampler {
  const peaks = new Map<string, ConcurrencyPeaks>();
  let samples = 0;
  let stopped = false;
  // A call, not a variable: TypeScript would narrow a variable across the awaits.
  const running = () => !stopped;

  const raise = (runnerId: string, key: keyof ConcurrencyPeaks, value: number) => {
    const entry = peaks.get(runnerId) ?? { pods: 0, activePods: 0, rows: 0 };
    entry[key] = Math.max(entry[key], value);
    peaks.set(runnerId, entry);
  };

  const sample = async () => {
    const [pods, rows] = await Promise.all([
      input.core.listNamespacedPod({
        namespace: input.namespace,
        labelSelector: hangarLabels.runner,
      }),
      input.db
        .selectFrom("runner_instances")
        .select(["runner_id", sql<number>`count(*)::int`.as("live")])
        .where("state", "in", liveInstanceStates)
        .groupBy("runner_id")
        .execute(),
    ]);
    const present = new Map<string, number>();
    const active = new Map<string, number>();
    for (const pod of pods.items) {
      const runnerId = pod.metadata?.labels?.[hangarLabels.runner];
      if (runnerId === undefined) continue;
      present.set(runnerId, (present.get(runnerId) ?? 0) + 1);
      const phase = pod.status?.phase;
      const over =
        phase === "Succeeded" || phase === "Failed" || pod.metadata?.deletionTimestamp != null;
      if (!over) active.set(runnerId, (active.get(runnerId) ?? 0) + 1);
    }
    for (const [runnerId, count] of present) raise(runnerId, "pods", count);
    for (const [runnerId, count] of active) raise(runnerId, "activePods", count);
    for (const row of rows) raise(row.runner_id, "rows", row.live);
    samples += 1;
  };

  const loop = async (): Promise<void> => {
    while (running()) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, input.intervalMs));
    }
  };
  // Caught here so a failure surfaces at stop() rather than as an unhandled rejection.
  const done = loop().then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );

  return {
    async stop() {
      stopped = true;
      const error = await done;
      if (error !== undefined) throw error;
      return { peaks, samples };
    },
  };
}
