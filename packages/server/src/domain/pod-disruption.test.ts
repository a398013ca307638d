import { describe, expect, it } from "vitest";
import { disruptionTarget, podDisruption, type PodLike } from "./pod-disruption.js";

const condition = (reason: string, status = "True", message?: string) => ({
  type: "DisruptionTarget",
  status,
  reason,
  ...(message === undefined ? {} : { message }),
});

const pod = (status: NonNullable<PodLike["status"]>, deleting = false): PodLike => ({
  metadata: deleting ? { deletionTimestamp: new Date(0) } : {},
  spec: { nodeName: "kwok-spot-1" },
  status,
});

describe("podDisruption", () => {
  const present = { name: "kwok-spot-1", gone: false };
  it.each<[string, PodLike | null, { name: string; gone: boolean } | null, string | null]>([
    [
      "preempted by the scheduler",
      pod(
        { phase: "Running", conditions: [condition("PreemptionByScheduler", "True", "p")] },
        true,
      ),
      present,
      "PreemptionByScheduler: p",
    ],
    [
      "node shutdown (kubelet)",
      pod({
        phase: "Failed",
        reason: "Terminated",
        conditions: [condition("TerminationByKubelet")],
      }),
      present,
      "TerminationByKubelet",
    ],
    [
      "node shutdown on a kubelet without the condition",
      pod({ phase: "Failed", reason: "Shutdown", message: "Node is shutting, evicting pods" }),
      present,
      "Shutdown: Node is shutting, evicting pods",
    ],
    ["node-pressure eviction", pod({ phase: "Failed", reason: "Evicted" }), present, "Evicted"],
    [
      "a drain through the eviction API",
      pod({ phase: "Running", conditions: [condition("EvictionByEvictionAPI")] }, true),
      present,
      "EvictionByEvictionAPI",
    ],
    [
      "the pod vanished with its node",
      null,
      { name: "kwok-spot-1", gone: true },
      "the node kwok-spot-1 is gone",
    ],
    ["the pod was deleted (its node is still there)", null, present, null],
    ["deleted without a condition", pod({ phase: "Running" }, true), present, null],
    [
      "a condition that no longer holds",
      pod({ phase: "Running", conditions: [condition("PreemptionByScheduler", "False")] }, true),
      present,
      null,
    ],
    ["the runner failed by itself", pod({ phase: "Failed", reason: "Error" }), present, null],
    ["nothing known of the node", null, null, null],
  ])("%s", (_name, subject, node, expected) => {
    expect(podDisruption(subject, node)).toBe(expected);
  });

  it("sees a pending disruption while the pod still runs", () => {
    expect(
      disruptionTarget(
        pod({ phase: "Running", conditions: [condition("DeletionByTaintManager")] }),
      ),
    ).toBe("DeletionByTaintManager");
    expect(
      disruptionTarget(pod({ phase: "Running", conditions: [{ type: "Ready", status: "True" }] })),
    ).toBeNull();
  });
});
