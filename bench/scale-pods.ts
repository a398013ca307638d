import type { KubeConfig } from "@kubernetes/client-node";
import { hangarLabels, MANAGED_BY } from "@hangar/server/kubernetes/labels.js";
import { watchPods } from "@hangar/server/kubernetes/pod-watch.js";

// When each pod reached the API server, as a watch reports it: the moment its ADDED event
// arrives here, on the same clock as everything else the benchmark times
// (performance.now()). A pod's creationTimestamp has whole seconds only, and polling
// would add its interval to every sample. The API server ends watches every few
// minutes; a pod created in the moment before the next one starts is found by the list
// in between, a few milliseconds late.

export interface SeenPod {
  name: string;
  /** The runner configuration it belongs to (its hangar.dev/runner-id label). */
  runnerId: string;
  /** performance.now() when its ADDED event arrived. */
  at: number;
}

export interface PodRecorder {
  /** Pods of the configuration in the order they were created. */
  added(runnerId: string): readonly SeenPod[];
  /** Pods of the configuration that exist now. */
  live(runnerId: string): number;
  /** Most pods of the configuration that existed at once. */
  peak(runnerId: string): number;
  /** Watch errors recovered from by listing again. */
  errors(): number;
  stop(): Promise<void>;
}

export async function recordPods(kubeConfig: KubeConfig, namespace: string): Promise<PodRecorder> {
  const added = new Map<string, SeenPod[]>();
  const live = new Map<string, Set<string>>();
  const peaks = new Map<string, number>();
  let errors = 0;
  const watch = await watchPods(
    kubeConfig,
    { namespace, labelSelector: `${hangarLabels.managedBy}=${MANAGED_BY}` },
    {
      onEvent({ type, pod }) {
        const at = performance.now();
        const name = pod.metadata?.name;
        const runnerId = pod.metadata?.labels?.[hangarLabels.runner];
        if (name === undefined || runnerId === undefined) return;
        const present = live.get(runnerId) ?? new Set<string>();
        live.set(runnerId, present);
        if (type === "DELETED") {
          present.delete(name);
          return;
        }
        if (type !== "ADDED") return;
        present.add(name);
        peaks.set(runnerId, Math.max(peaks.get(runnerId) ?? 0, present.size));
        const list = added.get(runnerId) ?? [];
        added.set(runnerId, list);
        list.push({ name, runnerId, at });
      },
      onError() {
        errors += 1;
      },
    },
  );
  return {
    added: (runnerId) => added.get(runnerId) ?? [],
    live: (runnerId) => live.get(runnerId)?.size ?? 0,
    peak: (runnerId) => peaks.get(runnerId) ?? 0,
    errors: () => errors,
    stop: () => watch.stop(),
  };
}
