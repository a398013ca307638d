/**
 * The fake nodes kwok plays. Shapes mirror what runner pods will ask of a
 * real cluster: ordinary nodes, a spot node and a GPU node (tainted, so only
 * pods that tolerate GPUs land there).
 */
export interface FakeNodeSpec {
  name: string;
  labels: Record<string, string>;
  capacity: Record<string, string>;
  taints: { key: string; value: string; effect: "NoSchedule" }[];
}

export const KWOK_ANNOTATION = "kwok.x-k8s.io/node";

export const fakeNodes: readonly FakeNodeSpec[] = [
  ...[1, 2, 3].map((n) => ({
    name: `kwok-node-${n}`,
    labels: { "hangar.dev/capacity-type": "on-demand" },
    capacity: { cpu: "32", memory: "128Gi", pods: "110" },
    taints: [],
  })),
  {
    name: "kwok-spot-1",
    labels: { "hangar.dev/capacity-type": "spot" },
    capacity: { cpu: "32", memory: "128Gi", pods: "110" },
    taints: [],
  },
  {
    name: "kwok-gpu-1",
    labels: { "hangar.dev/capacity-type": "on-demand", "hangar.dev/gpu": "nvidia" },
    capacity: { cpu: "32", memory: "256Gi", pods: "110", "nvidia.com/gpu": "4" },
    taints: [{ key: "nvidia.com/gpu", value: "present", effect: "NoSchedule" }],
  },
];

export function nodeObject(spec: FakeNodeSpec): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: spec.name,
      annotations: { [KWOK_ANNOTATION]: "fake", "node.alpha.kubernetes.io/ttl": "0" },
      labels: {
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/os": "linux",
        "kubernetes.io/hostname": spec.name,
        type: "kwok",
        ...spec.labels,
      },
    },
    spec: { taints: spec.taints },
    status: { capacity: spec.capacity, allocatable: spec.capacity },
  };
}
