import { CoreV1Api, Watch, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";

// Pods matching a selector as a stream of changes: list, then watch from the
// list's resourceVersion; when a watch ends (API servers end them routinely)
// or fails, list again and report what changed meanwhile, including pods
// deleted while no watch was open, then watch again.

export type PodEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface PodEvent {
  type: PodEventType;
  pod: V1Pod;
}

export interface PodWatchOptions {
  /** All namespaces when absent. */
  namespace?: string;
  labelSelector: string;
  /** Watches are ended on this schedule, so the re-list path runs routinely. */
  watchTimeoutSeconds?: number;
  /** Pause before listing again after an error. */
  retryDelayMs?: number;
}

export interface PodWatchHandlers {
  onEvent(event: PodEvent): void;
  /** Problems the watch recovers from by listing again. */
  onError?(error: unknown): void;
}

export async function watchPods(
  kubeConfig: KubeConfig,
  options: PodWatchOptions,
  handlers: PodWatchHandlers,
): Promise<{ stop(): Promise<void> }> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const watch = new Watch(kubeConfig);
  const stopping = new AbortController();
  const stopped = () => stopping.signal.aborted;
  // uid → last pod seen, to tell new from changed and to report deletions found by a re-list.
  const known = new Map<string, V1Pod>();
  let current: AbortController | undefined;

  const emit = (type: PodEventType, pod: V1Pod) => {
    const uid = pod.metadata?.uid;
    if (uid === undefined || stopping.signal.aborted) return;
    if (type === "DELETED") known.delete(uid);
    else known.set(uid, pod);
    handlers.onEvent({ type, pod });
  };

  const list = async (): Promise<string | undefined> => {
    const { namespace, labelSelector } = options;
    const result =
      namespace === undefined
        ? await core.listPodForAllNamespaces({ labelSelector })
        : await core.listNamespacedPod({ namespace, labelSelector });
    const present = new Set<string>();
    for (const pod of result.items) {
      const uid = pod.metadata?.uid;
      if (uid === undefined) continue;
      present.add(uid);
      const before = known.get(uid);
      if (before === undefined) emit("ADDED", pod);
      else if (before.metadata?.resourceVersion !== pod.metadata?.resourceVersion) {
        emit("MODIFIED", pod);
      }
    }
    for (const [uid, pod] of [...known]) if (!present.has(uid)) emit("DELETED", pod);
    return result.metadata?.resourceVersion;
  };

  const path =
    options.namespace === undefined
      ? "/api/v1/pods"
      : `/api/v1/namespaces/${encodeURIComponent(options.namespace)}/pods`;

  const watchFrom = (resourceVersion: string | undefined) =>
    new Promise<void>((resolve, reject) => {
      watch
        .watch(
          path,
          {
            labelSelector: options.labelSelector,
            resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds: options.watchTimeoutSeconds ?? 240,
          },
          (type: string, object: V1Pod) => {
            if (type === "ADDED" || type === "MODIFIED" || type === "DELETED") emit(type, object);
            else if (type === "ERROR") {
              // Usually 410 Gone: the resourceVersion is too old to watch from. List again.
              current?.abort();
              reject(new Error(`pod watch ended by the API server: ${describeStatus(object)}`));
            }
          },
          (error: unknown) => {
            if (error !== null && error !== undefined && !stopping.signal.aborted) {
              reject(
                error instanceof Error ? error : new Error("pod watch failed", { cause: error }),
              );
            } else resolve();
          },
        )
        .then((controller) => {
          current = controller;
          if (stopping.signal.aborted) controller.abort();
        }, reject);
    });

  // The first list runs before returning, so a cluster that cannot be reached fails the call.
  let version: string | undefined = await list();
  const loop = (async () => {
    while (!stopped()) {
      try {
        version ??= await list();
        await watchFrom(version);
      } catch (error) {
        if (stopped()) break;
        handlers.onError?.(error);
        await sleep(options.retryDelayMs ?? 1000, undefined, { signal: stopping.signal }).catch(
          () => undefined,
        );
      }
      // Whatever ended the watch, the next one starts from a fresh list.
      version = undefined;
    }
  })();

  return {
    async stop() {
      stopping.abort();
      current?.abort();
      await loop;
    },
  };
}

function describeStatus(object: unknown): string {
  if (typeof object !== "object" || object === null) return "unknown error";
  const code = "code" in object && typeof object.code === "number" ? `HTTP ${object.code} ` : "";
  const reason = "reason" in object && typeof object.reason === "string" ? object.reason : "";
  return `${code}${reason}`.trim() || "unknown error";
}
