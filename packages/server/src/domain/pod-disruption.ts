// Whether Kubernetes took a runner's pod away (a disruption: preemption, node shutdown,
// eviction, the node gone) or someone deleted it. A job lost to a disruption may be
// re-run; one whose pod was deleted on purpose is not (deleting a runner's pod is how a
// person stops it). Pure, so it is tested as a table; structural pod types keep it free
// of the Kubernetes client.

export interface PodConditionLike {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface PodLike {
  readonly metadata?: { readonly deletionTimestamp?: unknown };
  readonly spec?: { readonly nodeName?: string };
  readonly status?: {
    readonly phase?: string;
    readonly reason?: string;
    readonly message?: string;
    readonly conditions?: readonly PodConditionLike[];
  };
}

/**
 * Reasons a kubelet gives a pod it failed itself: graceful node shutdown ("Shutdown",
 * "NodeShutdown", "Terminated" with kubelets that predate the DisruptionTarget
 * condition), node-pressure eviction ("Evicted"), and making room for a critical pod
 * ("Preempting").
 */
const KUBELET_DISRUPTIONS = new Set([
  "Shutdown",
  "NodeShutdown",
  "Terminated",
  "Evicted",
  "Preempting",
]);

const describe = (reason: string, message: string | undefined) =>
  message ? `${reason}: ${message}` : reason;

/**
 * Kubernetes adds DisruptionTarget (status True) just before it terminates a pod for a
 * reason of its own: PreemptionByScheduler, TerminationByKubelet (node shutdown or
 * pressure), DeletionByTaintManager (a NoExecute taint, e.g. the node unreachable),
 * DeletionByPodGC (its node is gone), EvictionByEvictionAPI (a drain). A pod carrying
 * it is on its way out even while it still shows Running.
 */
export function disruptionTarget(pod: PodLike | null): string | null {
  const condition = pod?.status?.conditions?.find(
    (c) => c.type === "DisruptionTarget" && c.status === "True",
  );
  if (condition === undefined) return null;
  return describe(condition.reason ?? "DisruptionTarget", condition.message);
}

/**
 * Why Kubernetes ended the pod, or null when nothing says it did (a deletion, an exit).
 * `node` is the node it ran on as last seen, `gone` when it no longer exists: a pod
 * that vanished together with its node was reclaimed with it, which is how spot
 * capacity usually disappears (the garbage collector deletes such pods at once).
 */
export function podDisruption(
  pod: PodLike | null,
  node: { name: string; gone: boolean } | null,
): string | null {
  const target = disruptionTarget(pod);
  if (target !== null) return target;
  const status = pod?.status;
  if (status?.phase === "Failed" && status.reason && KUBELET_DISRUPTIONS.has(status.reason)) {
    return describe(status.reason, status.message);
  }
  if (node?.gone) return `the node ${node.name} is gone`;
  return null;
}
