import { CoreV1Api, Watch, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { hangarLabels } from "../src/kubernetes/labels.js";

// Test-only: every runner pod of a namespace that ever existed, from a list and an
// unbroken watch after it. Pods are deleted when their runner is torn down, so a later
// listing cannot tell how many were made; the watch sees each one, by uid, in the
// order the API server applied the changes. It also counts the pods of each runner
// configuration present after every change: the true maximum at any instant, which
// polling can only approach. If the watch cannot resume where it left off (the API
// server no longer has that history), the ledger is incomplete and stop() says so.

export interface LedgerPod {
  name: string;
  uid: string;
  runnerId: string;
  /** The pod as first seen (its spec is immutable where it matters here). */
  first: V1Pod;
}

export interface PodLedger {
  /** Every pod seen, one entry per uid. */
  pods(): LedgerPod[];
  /** The most pods of the configuration present at once. */
  maxPresent(runnerId: string): number;
  /** The same, counting only pods not yet ended (not Succeeded/Failed, not being deleted). */
  maxActive(runnerId: string): number;
  /** Stops watching; rejects if the watch lost events on the way. */
  stop(): Promise<void>;
}

const WATCH_SECONDS = 600;

function ended(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed" || pod.metadata?.deletionTimestamp != null;
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(JSON.stringify(value));
}

function isPod(value: unknown): value is V1Pod {
  return typeof value === "object" && value !== null && "metadata" in value;
}

export async function startPodLedger(
  kubeConfig: KubeConfig,
  namespace: string,
): Promise<PodLedger> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const watch = new Watch(kubeConfig);
  const byUid = new Map<string, LedgerPod>();
  const present = new Map<string, V1Pod>();
  const maxPresent = new Map<string, number>();
  const maxActive = new Map<string, number>();
  let resourceVersion: string | undefined;
  let broken: Error | null = null;
  let stopped = false;
  // A call, not a variable: TypeScript would narrow a variable across the awaits.
  const stopping = () => stopped;
  let current: AbortController | undefined;

  const count = () => {
    const now = new Map<string, { present: number; active: number }>();
    for (const pod of present.values()) {
      const runnerId = pod.metadata?.labels?.[hangarLabels.runner];
      if (runnerId === undefined) continue;
      const entry = now.get(runnerId) ?? { present: 0, active: 0 };
      entry.present += 1;
      if (!ended(pod)) entry.active += 1;
      now.set(runnerId, entry);
    }
    for (const [runnerId, entry] of now) {
      maxPresent.set(runnerId, Math.max(maxPresent.get(runnerId) ?? 0, entry.present));
      maxActive.set(runnerId, Math.max(maxActive.get(runnerId) ?? 0, entry.active));
    }
  };

  const observe = (type: string, pod: V1Pod) => {
    const uid = pod.metadata?.uid;
    const name = pod.metadata?.name;
    const runnerId = pod.metadata?.labels?.[hangarLabels.runner];
    if (uid === undefined || name === undefined || runnerId === undefined) return;
    if (!byUid.has(uid)) byUid.set(uid, { name, uid, runnerId, first: pod });
    if (type === "DELETED") present.delete(uid);
    else present.set(uid, pod);
    count();
  };

  const initial = await core.listNamespacedPod({ namespace });
  for (const pod of initial.items) observe("ADDED", pod);
  resourceVersion = initial.metadata?.resourceVersion;

  const watchOnce = () =>
    new Promise<void>((resolve, reject) => {
      watch
        .watch(
          `/api/v1/namespaces/${namespace}/pods`,
          { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_SECONDS },
          (type: string, object: unknown) => {
            if (type === "ERROR") {
              reject(new Error(`the pod watch failed: ${JSON.stringify(object)}`));
              return;
            }
            if (!isPod(object)) return;
            resourceVersion = object.metadata?.resourceVersion ?? resourceVersion;
            if (type !== "BOOKMARK") observe(type, object);
          },
          (error: unknown) => {
            if (error !== null && error !== undefined && !stopping()) reject(toError(error));
            else resolve();
          },
        )
        .then((controller) => {
          current = controller;
          if (stopping()) controller.abort();
        }, reject);
    });

  // A watch the server ends on schedule resumes from the last version seen; one that
  // fails cannot promise it missed nothing.
  const running = (async () => {
    while (!stopping()) {
      try {
        await watchOnce();
      } catch (error) {
        if (!stopping()) broken = toError(error);
        return;
      }
    }
  })();

  return {
    pods: () => [...byUid.values()],
    maxPresent: (runnerId) => maxPresent.get(runnerId) ?? 0,
    maxActive: (runnerId) => maxActive.get(runnerId) ?? 0,
    async stop() {
      stopped = true;
      current?.abort();
      await running;
      if (broken !== null) throw new Error("the pod ledger is incomplete", { cause: broken });
    },
  };
}
