import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { Cluster } from "../kubernetes/cluster.js";
import { createRunnerObserveActivities, type ObserveRunnerInput } from "./runner-observe.js";

// How a busy runner's watch tells a pod Kubernetes took away from one that was deleted
// or exited: the cluster is a plain object replaying what a real one would show, look
// by look (the end-to-end cases run on the local cluster in runner-pool-rerun.test.ts).

/** The runner's pod on the node spot-1, with the status given. */
const onSpot = (status: V1Pod["status"]): V1Pod => ({
  metadata: { name: "r1", namespace: "ns" },
  spec: { nodeName: "spot-1", containers: [] },
  status,
});
const running = onSpot({ phase: "Running" });

/** A cluster whose pod reads return `looks` in turn (the last one from then on). */
function cluster(looks: (V1Pod | null)[], node: () => Promise<V1Node | null>): Cluster {
  let read = 0;
  const unused = () => Promise.reject(new Error("not used by the watch"));
  return {
    apply: unused,
    create: unused,
    delete: unused,
    listPods: unused,
    readNamespace: unused,
    readPod: () => Promise.resolve(looks[Math.min(read++, looks.length - 1)] ?? null),
    readNode: node,
  };
}

const input: ObserveRunnerInput = {
  instanceName: "r1",
  namespace: "ns",
  installationId: 1,
  scope: { org: "acme" },
  githubRunnerId: 1,
  watch: "end",
  deadlineMs: null,
  podPollMs: 1,
  // A busy runner's watch asks GitHub only after twelve of these: never, here.
  githubPollMs: 3_600_000,
};

const observe = (looks: (V1Pod | null)[], node: () => Promise<V1Node | null>) =>
  createRunnerObserveActivities({ github: null, cluster: cluster(looks, node) }).observeRunner(
    input,
  );

const present = () => Promise.resolve({ metadata: { name: "spot-1" } });

describe("observeRunner: how a busy runner's pod ended", () => {
  it("a pod that vanished with its node was taken away with it", async () => {
    expect(await observe([running, null], () => Promise.resolve(null))).toEqual({
      kind: "pod-ended",
      phase: "Missing",
      detail: "the pod was disrupted (the node spot-1 is gone)",
      disruption: "the node spot-1 is gone",
    });
  });

  it("a pod that vanished from a node still there was deleted", async () => {
    expect(await observe([running, null], present)).toEqual({
      kind: "pod-ended",
      phase: "Missing",
      detail: "the pod was deleted",
      disruption: null,
    });
  });

  it("a node it may not read says nothing", async () => {
    const forbidden = () => Promise.reject(new Error("nodes is forbidden"));
    expect(await observe([running, null], forbidden)).toMatchObject({ disruption: null });
  });

  it("a pod marked for disruption has ended, even while it still runs", async () => {
    const marked = onSpot({
      phase: "Running",
      conditions: [{ type: "DisruptionTarget", status: "True", reason: "TerminationByKubelet" }],
    });
    expect(await observe([running, marked], present)).toEqual({
      kind: "pod-ended",
      phase: "Missing",
      detail: "the pod was disrupted (TerminationByKubelet)",
      disruption: "TerminationByKubelet",
    });
  });

  it("a runner that exited is no disruption", async () => {
    const exited = onSpot({ phase: "Failed", reason: "Error" });
    expect(await observe([running, exited], present)).toEqual({
      kind: "pod-ended",
      phase: "Failed",
      detail: "the pod failed (Error)",
      disruption: null,
    });
  });
});
