import { describe, expect, it } from "vitest";
import { hangarLabels } from "../labels.js";
import {
  buildJitSecret,
  buildRunnerPod,
  defaultNodePlacement,
  imageAllowsReadOnlyRoot,
  JIT_CONFIG_ENV,
  jitSecretName,
  type NodePlacement,
  type RunnerPodInput,
} from "./runner-pod.js";

const base: RunnerPodInput = {
  namespace: "hangar-acme",
  instanceName: "hangar-4cpu-7f3k2",
  workspaceId: "0b5c7b9e-2f7e-4a59-9d3c-1b2a3c4d5e6f",
  runnerId: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
  image: "ghcr.io/actions/actions-runner:2.330.0",
  cpu: "4",
  memory: "16Gi",
  gpu: null,
  spot: false,
  arch: "amd64",
  imagePullSecretNames: [],
};

const karpenter: NodePlacement = {
  spot: {
    nodeSelector: { "karpenter.sh/capacity-type": "spot" },
    tolerations: [{ key: "spot", operator: "Equal", value: "true", effect: "NoSchedule" }],
  },
  gpu: {
    resourceName: "nvidia.com/gpu",
    nodeSelector: { pool: "gpu" },
    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    typeLabel: "cloud.google.com/gke-accelerator",
  },
};

const avoidSpot = (key: string, value: string) => ({
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key, operator: "NotIn", values: [value] }] }],
    },
  },
});

describe("buildRunnerPod placement", () => {
  it.each<{
    name: string;
    input: Partial<RunnerPodInput>;
    resources: Record<string, string>;
    nodeSelector: Record<string, string>;
    tolerations: unknown;
    affinity: unknown;
  }>([
    {
      name: "on-demand amd64",
      input: {},
      resources: { cpu: "4", memory: "16Gi" },
      nodeSelector: { "kubernetes.io/arch": "amd64" },
      tolerations: undefined,
      affinity: avoidSpot("hangar.dev/capacity-type", "spot"),
    },
    {
      name: "on-demand arm64",
      input: { arch: "arm64", cpu: "500m", memory: "1Gi" },
      resources: { cpu: "500m", memory: "1Gi" },
      nodeSelector: { "kubernetes.io/arch": "arm64" },
      tolerations: undefined,
      affinity: avoidSpot("hangar.dev/capacity-type", "spot"),
    },
    {
      name: "spot",
      input: { spot: true },
      resources: { cpu: "4", memory: "16Gi" },
      nodeSelector: { "kubernetes.io/arch": "amd64", "hangar.dev/capacity-type": "spot" },
      tolerations: undefined,
      affinity: undefined,
    },
    {
      name: "GPU",
      input: { gpu: { count: 2, type: "nvidia-l4" } },
      resources: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "2" },
      nodeSelector: { "kubernetes.io/arch": "amd64" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
      affinity: avoidSpot("hangar.dev/capacity-type", "spot"),
    },
    {
      name: "zero GPUs is no GPU",
      input: { gpu: { count: 0, type: null } },
      resources: { cpu: "4", memory: "16Gi" },
      nodeSelector: { "kubernetes.io/arch": "amd64" },
      tolerations: undefined,
      affinity: avoidSpot("hangar.dev/capacity-type", "spot"),
    },
    {
      name: "spot GPU on a cluster with its own labels and taints",
      input: { spot: true, gpu: { count: 1, type: "nvidia-l4" }, placement: karpenter },
      resources: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "1" },
      nodeSelector: {
        "kubernetes.io/arch": "amd64",
        "karpenter.sh/capacity-type": "spot",
        pool: "gpu",
        "cloud.google.com/gke-accelerator": "nvidia-l4",
      },
      tolerations: [
        { key: "spot", operator: "Equal", value: "true", effect: "NoSchedule" },
        { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
      ],
      affinity: undefined,
    },
    {
      name: "GPU without a type where the cluster selects by type",
      input: { gpu: { count: 1, type: null }, placement: karpenter },
      resources: { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "1" },
      nodeSelector: { "kubernetes.io/arch": "amd64", pool: "gpu" },
      tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
      affinity: avoidSpot("karpenter.sh/capacity-type", "spot"),
    },
  ])("$name", ({ input, resources, nodeSelector, tolerations, affinity }) => {
    const spec = buildRunnerPod({ ...base, ...input }).spec!;
    const container = spec.containers[0]!;
    expect(container.resources).toEqual({ requests: resources, limits: resources });
    expect(spec.nodeSelector).toEqual(nodeSelector);
    expect(spec.tolerations).toEqual(tolerations);
    expect(spec.affinity).toEqual(affinity);
  });
});

describe("buildRunnerPod security and identity", () => {
  const variants: [string, Partial<RunnerPodInput>][] = [
    ["stock image", {}],
    ["read-only root image", { readOnlyRootFilesystem: true, image: "registry.example.com/r:1" }],
    ["GPU spot", { gpu: { count: 1, type: null }, spot: true }],
  ];

  it.each(variants)("%s: meets Pod Security restricted and never restarts", (_name, input) => {
    const pod = buildRunnerPod({ ...base, ...input });
    const spec = pod.spec!;
    const container = spec.containers[0]!;
    expect(spec.restartPolicy).toBe("Never");
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1001,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      privileged: false,
      runAsNonRoot: true,
      readOnlyRootFilesystem: input.readOnlyRootFilesystem ?? false,
    });
    // Writable paths are volumes, so a read-only root still leaves the runner room to work.
    expect(container.volumeMounts?.map((m) => m.mountPath)).toEqual(["/home/runner/_work", "/tmp"]);
    expect(spec.volumes?.every((v) => v.emptyDir !== undefined)).toBe(true);
    expect(spec.hostNetwork ?? false).toBe(false);
  });

  it("reads the JIT config from the instance's Secret and carries Hangar's labels", () => {
    const pod = buildRunnerPod({ ...base, imagePullSecretNames: ["hangar-registry-1"] });
    expect(pod.metadata).toEqual({
      name: base.instanceName,
      namespace: base.namespace,
      labels: {
        [hangarLabels.managedBy]: "hangar",
        [hangarLabels.workspace]: base.workspaceId,
        [hangarLabels.component]: "runner",
        [hangarLabels.runner]: base.runnerId,
        [hangarLabels.instance]: base.instanceName,
      },
    });
    expect(pod.spec!.containers[0]!.env).toEqual([
      {
        name: JIT_CONFIG_ENV,
        valueFrom: { secretKeyRef: { name: jitSecretName(base.instanceName), key: "jitconfig" } },
      },
    ]);
    expect(pod.spec!.imagePullSecrets).toEqual([{ name: "hangar-registry-1" }]);
    expect(buildRunnerPod(base).spec!.imagePullSecrets).toBeUndefined();
  });

  it("builds a JIT Secret owned by its Pod", () => {
    const secret = buildJitSecret({
      namespace: base.namespace,
      instanceName: base.instanceName,
      workspaceId: base.workspaceId,
      runnerId: base.runnerId,
      encodedJitConfig: "eyJqaXQiOiJjb25maWcifQ==",
      ownerPod: { name: base.instanceName, uid: "4c1d5e2a-uid" },
    });
    expect(secret.metadata?.name).toBe(`${base.instanceName}-jit`);
    expect(secret.metadata?.ownerReferences).toEqual([
      { apiVersion: "v1", kind: "Pod", name: base.instanceName, uid: "4c1d5e2a-uid" },
    ]);
    expect(Buffer.from(secret.data!.jitconfig!, "base64").toString()).toBe(
      "eyJqaXQiOiJjb25maWcifQ==",
    );
    expect(secret.metadata?.labels?.[hangarLabels.instance]).toBe(base.instanceName);
  });
});

describe("imageAllowsReadOnlyRoot", () => {
  it.each([
    ["registry.example.com/runners/base:1", ["registry.example.com/runners/"], true],
    ["registry.example.com/other:1", ["registry.example.com/runners/"], false],
    ["ghcr.io/actions/actions-runner:2.330.0", [], false],
    ["anything", [""], false],
  ])("%s with %j → %s", (image, prefixes, expected) => {
    expect(imageAllowsReadOnlyRoot(image, prefixes)).toBe(expected);
  });

  it("defaults match the local cluster's kwok nodes", () => {
    expect(defaultNodePlacement.spot.nodeSelector).toEqual({ "hangar.dev/capacity-type": "spot" });
    expect(defaultNodePlacement.gpu.resourceName).toBe("nvidia.com/gpu");
  });
});
