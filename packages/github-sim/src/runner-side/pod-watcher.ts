// Plays the runner process's view of Kubernetes: a runner "connects" when its
// pod is Running and "disconnects" when the pod ends or disappears.
import { CoreV1Api, Watch, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { jitConfigSource, readJitConfig } from "./jit-config.js";

export interface RunnerPodRef {
  namespace: string;
  podName: string;
  uid: string;
  encodedJitConfig: string;
}

export type RunnerPodGoneReason = "deleted" | "succeeded" | "failed";

export interface RunnerPodHandlers {
  onRunning(pod: RunnerPodRef): void;
  /** Only for pods previously reported by onRunning: a runner that never connected cannot leave. */
  onGone(pod: RunnerPodRef, reason: RunnerPodGoneReason): void;
  /** Problems the watcher recovers from (a lost watch, an unreadable Secret). */
  onError?(error: unknown): void;
}

export interface WatchRunnerPodsOptions {
  /** Only pods in namespaces matching this label selector (evaluated by the API server). */
  namespaceLabelSelector?: string;
  /** Delay before re-listing after a watch ends with an error. */
  retryDelayMs?: number;
  /**
   * Watches end anyway (API server timeouts, restarts, proxies), so they are
   * ended on a schedule and the re-list path runs routinely, not only in a crisis.
   */
  watchTimeoutSeconds?: number;
}

interface Tracked {
  ref?: RunnerPodRef;
  gone: boolean;
  /** Per-pod work runs in order, so a slow Secret read cannot reorder Running and gone. */
  chain: Promise<void>;
  /** Failed reads of the pod's JIT config so far: the next try waits longer. */
  failedReads: number;
}

/** The longest wait between two reads of a Running pod's JIT config. */
const MAX_READ_RETRY_MS = 10_000;

const WATCH_TIMEOUT_SECONDS = 240;

/**
 * Lists pods in all namespaces, then watches from that list's resourceVersion;
 * when the watch ends or fails it lists again (reporting runners whose pods
 * vanished in between as deleted) and watches again, until stopped.
 */
export async function watchRunnerPods(
  kubeConfig: KubeConfig,
  handlers: RunnerPodHandlers,
  options: WatchRunnerPodsOptions = {},
): Promise<{ stop(): Promise<void> }> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const watch = new Watch(kubeConfig);
  const stopping = new AbortController();
  const pods = new Map<string, Tracked>();
  const retries = new Set<NodeJS.Timeout>();
  const namespaceMatches = new Map<string, Promise<boolean>>();
  let current: AbortController | undefined;

  const reportError = (error: unknown) => {
    if (!stopping.signal.aborted) handlers.onError?.(error);
  };

  const inScope = (namespace: string): Promise<boolean> => {
    const selector = options.namespaceLabelSelector;
    if (selector === undefined) return Promise.resolve(true);
    let match = namespaceMatches.get(namespace);
    if (!match) {
      match = core
        .listNamespace({ labelSelector: selector, fieldSelector: `metadata.name=${namespace}` })
        .then((list) => list.items.length > 0);
      // A failed lookup is retried on the pod's next event rather than cached.
      match.catch(() => namespaceMatches.delete(namespace));
      namespaceMatches.set(namespace, match);
    }
    return match;
  };

  const enqueue = (uid: string, work: (t: Tracked) => Promise<void>) => {
    const tracked = pods.get(uid) ?? { gone: false, chain: Promise.resolve(), failedReads: 0 };
    pods.set(uid, tracked);
    tracked.chain = tracked.chain
      .then(() => work(tracked))
      .catch(reportError)
      .finally(() => {
        // A finished pod cannot come back (uids are never reused), so forget it.
        if (tracked.gone && pods.get(uid) === tracked) pods.delete(uid);
      });
  };

  const markGone = (tracked: Tracked, reason: RunnerPodGoneReason) => {
    if (tracked.gone) return;
    tracked.gone = true;
    if (tracked.ref) handlers.onGone(tracked.ref, reason);
  };

  const observe = (pod: V1Pod, deleted: boolean) => {
    const uid = pod.metadata?.uid;
    const namespace = pod.metadata?.namespace;
    const podName = pod.metadata?.name;
    const source = jitConfigSource(pod);
    if (!uid || !namespace || !podName || !source) return;
    const phase = pod.status?.phase;
    enqueue(uid, async (tracked) => {
      if (tracked.gone) return;
      if (!(await inScope(namespace))) {
        // Not ours to report; marking it done lets the entry be forgotten.
        tracked.gone = true;
        return;
      }
      if (!tracked.ref && phase === "Running" && !deleted) {
        let encodedJitConfig: string;
        try {
          encodedJitConfig = await readJitConfig(core, source, { signal: stopping.signal });
        } catch (error) {
          if (stopping.signal.aborted) return;
          reportError(error);
          // The Secret came late (it is created after the Pod, which owns it) or the API
          // server refused the read: try again while the pod exists, as a kubelet keeps
          // trying to mount a missing Secret. Without this the runner would come online
          // only at the next re-list, minutes later, and a burst would stall in waves.
          tracked.failedReads += 1;
          const delay = Math.min(250 * 2 ** tracked.failedReads, MAX_READ_RETRY_MS);
          const timer = setTimeout(() => {
            retries.delete(timer);
            observe(pod, false);
          }, delay);
          retries.add(timer);
          return;
        }
        tracked.ref = { namespace, podName, uid, encodedJitConfig };
        handlers.onRunning(tracked.ref);
      }
      if (deleted) markGone(tracked, "deleted");
      else if (phase === "Succeeded") markGone(tracked, "succeeded");
      else if (phase === "Failed") markGone(tracked, "failed");
    });
  };

  const relist = async (): Promise<string | undefined> => {
    const list = await core.listPodForAllNamespaces({});
    const present = new Set<string>();
    for (const pod of list.items) {
      if (pod.metadata?.uid) present.add(pod.metadata.uid);
      observe(pod, false);
    }
    // Pods deleted while no watch was open never send DELETED.
    for (const uid of pods.keys()) {
      if (!present.has(uid)) {
        enqueue(uid, (t) => {
          markGone(t, "deleted");
          return Promise.resolve();
        });
      }
    }
    return list.metadata?.resourceVersion;
  };

  const watchOnce = (resourceVersion: string | undefined) =>
    new Promise<void>((resolve, reject) => {
      const onEvent = (type: string, object: unknown) => {
        if (type === "ERROR") {
          // Usually 410 Gone: the resourceVersion is too old. Re-list.
          current?.abort();
          reject(new Error(`pod watch error: ${JSON.stringify(object)}`));
          return;
        }
        if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") {
          observe(object as V1Pod, type === "DELETED");
        }
      };
      const onDone = (error: unknown) => {
        if (error && !stopping.signal.aborted) reject(toError(error));
        else resolve();
      };
      watch
        .watch(
          "/api/v1/pods",
          {
            resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: options.watchTimeoutSeconds ?? WATCH_TIMEOUT_SECONDS,
          },
          onEvent,
          onDone,
        )
        .then((controller) => {
          current = controller;
          if (stopping.signal.aborted) controller.abort();
        }, reject);
    });

  const loop = async () => {
    while (!stopping.signal.aborted) {
      try {
        await watchOnce(await relist());
      } catch (error) {
        reportError(error);
        await sleep(options.retryDelayMs ?? 1000, undefined, { signal: stopping.signal }).catch(
          () => undefined,
        );
      }
    }
  };

  // The first list runs before returning, so pods already Running are
  // reported (and a cluster that cannot be reached fails the call).
  const firstVersion = await relist();
  const running = (async () => {
    try {
      await watchOnce(firstVersion);
    } catch (error) {
      reportError(error);
    }
    await loop();
  })();

  return {
    async stop() {
      stopping.abort();
      current?.abort();
      for (const timer of retries) clearTimeout(timer);
      retries.clear();
      await running;
      await Promise.all([...pods.values()].map((t) => t.chain));
    },
  };
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
