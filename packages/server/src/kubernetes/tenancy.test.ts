import type {
  V1LimitRange,
  V1NetworkPolicy,
  V1Pod,
  V1ResourceQuota,
  V1Secret,
} from "@kubernetes/client-node";
import { eventually, testKubeConfig, uniqueSuffix } from "@hangar/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullSecretName } from "./builders/pull-secret.js";
import { buildJitSecret, buildRunnerPod, type RunnerPodInput } from "./builders/runner-pod.js";
import { createCluster, KubernetesApiError, type KubernetesCluster } from "./cluster.js";
import {
  convergeWorkspaceCluster,
  defaultTenancySettings,
  NamespaceOwnershipError,
  removeWorkspaceNamespace,
  type WorkspaceClusterSpec,
} from "./tenancy.js";

// A converged workspace namespace on the local API server (kwok plays the
// nodes): what the API server stores, what Pod Security admits and refuses
// there, and where runner pods land.

let cluster: KubernetesCluster;
let spec: WorkspaceClusterSpec;
const workspaceId = crypto.randomUUID();
const credentialId = crypto.randomUUID();
const now = new Date();

const read = <T>(kind: string, apiVersion: string, name: string) =>
  cluster
    .list<T & { metadata?: { name?: string } }>(apiVersion, kind, {
      namespace: spec.namespace,
      labelSelector: "app.kubernetes.io/managed-by=hangar",
    })
    .then((items) => items.find((item) => item.metadata?.name === name));

beforeAll(async () => {
  cluster = createCluster(testKubeConfig());
  spec = {
    workspaceId,
    namespace: `hangar-t-${uniqueSuffix()}`,
    plan: { maxCpuMillis: 40000, maxMemoryMib: 65536, maxGpus: 1, maxRunners: 10 },
    credentials: [
      {
        id: credentialId,
        registryHost: "registry.example.com",
        revision: "r1",
        login: () =>
          Promise.resolve({
            username: "robot",
            password: "pull-only",
            issuedAt: now,
            expiresAt: null,
          }),
      },
    ],
  };
  await convergeWorkspaceCluster(cluster, spec, defaultTenancySettings, now);
  // Pods are refused until the quota controller has counted the namespace's usage
  // ("status unknown for quota") and its default ServiceAccount exists.
  await eventually("quota status", async () => {
    const quotas = await cluster.list<V1ResourceQuota>("v1", "ResourceQuota", {
      namespace: spec.namespace,
      labelSelector: "",
    });
    return quotas[0]?.status?.hard === undefined ? undefined : true;
  });
  await eventually("default ServiceAccount", async () => {
    const accounts = await cluster.list("v1", "ServiceAccount", {
      namespace: spec.namespace,
      labelSelector: "",
    });
    return accounts.some((a) => a.metadata?.name === "default") ? true : undefined;
  });
});

afterAll(async () => {
  await removeWorkspaceNamespace(cluster, { workspaceId, namespace: spec.namespace });
});

describe("a converged workspace namespace", () => {
  it("enforces Pod Security restricted", async () => {
    const namespace = await cluster.readNamespace(spec.namespace);
    expect(namespace?.metadata?.labels).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "app.kubernetes.io/managed-by": "hangar",
      "hangar.dev/workspace-id": workspaceId,
    });
  });

  it("holds the plan as quota and limit range", async () => {
    const quota = await read<V1ResourceQuota>("ResourceQuota", "v1", "hangar-plan");
    // The API server stores quantities in canonical form.
    expect(quota?.spec?.hard).toEqual({
      "requests.cpu": "40",
      "limits.cpu": "40",
      "requests.memory": "64Gi",
      "limits.memory": "64Gi",
      "requests.nvidia.com/gpu": "1",
      pods: "10",
    });
    const limits = await read<V1LimitRange>("LimitRange", "v1", "hangar-defaults");
    expect(limits?.spec?.limits).toEqual([
      {
        type: "Container",
        _default: { cpu: "1", memory: "2Gi" },
        defaultRequest: { cpu: "1", memory: "2Gi" },
        max: { cpu: "40", memory: "64Gi" },
      },
    ]);
  });

  it("denies by default and lets runners out only to DNS and HTTPS beyond the cluster", async () => {
    const deny = await read<V1NetworkPolicy>(
      "NetworkPolicy",
      "networking.k8s.io/v1",
      "hangar-default-deny",
    );
    expect(deny?.spec).toMatchObject({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    expect(deny?.spec?.ingress ?? []).toEqual([]);
    expect(deny?.spec?.egress ?? []).toEqual([]);

    const egress = await read<V1NetworkPolicy>(
      "NetworkPolicy",
      "networking.k8s.io/v1",
      "hangar-egress",
    );
    const [dns, outside] = egress?.spec?.egress ?? [];
    expect(dns?.to).toEqual([
      {
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
      },
    ]);
    expect(dns?.ports).toEqual([
      { protocol: "UDP", port: 53 },
      { protocol: "TCP", port: 53 },
    ]);
    expect(outside?.to).toEqual([
      {
        ipBlock: {
          cidr: "0.0.0.0/0",
          except: ["169.254.169.254/32", "10.244.0.0/16", "10.96.0.0/12"],
        },
      },
    ]);
    expect(outside?.ports).toEqual([{ protocol: "TCP", port: 443 }]);
  });

  it("holds a pull Secret with the credential's login", async () => {
    const secret = await read<V1Secret>("Secret", "v1", pullSecretName(credentialId));
    expect(secret?.type).toBe("kubernetes.io/dockerconfigjson");
    const config: unknown = JSON.parse(
      Buffer.from(secret?.data?.[".dockerconfigjson"] ?? "", "base64").toString(),
    );
    expect(config).toEqual({
      auths: {
        "registry.example.com": {
          username: "robot",
          password: "pull-only",
          auth: Buffer.from("robot:pull-only").toString("base64"),
        },
      },
    });
  });

  it("converges again without rewriting anything, and refuses to touch another workspace's namespace", async () => {
    const again = await convergeWorkspaceCluster(cluster, spec, defaultTenancySettings, now);
    expect(again.pullSecrets).toEqual({ written: [], unchanged: 1, deleted: [], failed: [] });
    const stranger = { ...spec, workspaceId: crypto.randomUUID() };
    await expect(
      convergeWorkspaceCluster(cluster, stranger, defaultTenancySettings, now),
    ).rejects.toBeInstanceOf(NamespaceOwnershipError);
    await expect(removeWorkspaceNamespace(cluster, stranger)).rejects.toBeInstanceOf(
      NamespaceOwnershipError,
    );
  });
});

describe("runner pods in a converged namespace", () => {
  const runner = (name: string, input: Partial<RunnerPodInput> = {}) =>
    buildRunnerPod({
      namespace: spec.namespace,
      instanceName: name,
      workspaceId,
      runnerId: crypto.randomUUID(),
      image: "ghcr.io/actions/actions-runner:2.330.0",
      cpu: "2",
      memory: "4Gi",
      gpu: null,
      spot: false,
      arch: "amd64",
      imagePullSecretNames: [pullSecretName(credentialId)],
      ...input,
    });

  const runningOn = (name: string) =>
    eventually(`pod ${name} Running`, async () => {
      const pod = await cluster.readPod(spec.namespace, name);
      return pod?.status?.phase === "Running" ? pod.spec?.nodeName : undefined;
    });

  it("admits Hangar's runner pod and refuses pods that break restricted", async () => {
    const admitted = await cluster.create(runner("runner-admitted"));
    expect(admitted.result).toBe("created");
    expect(await runningOn("runner-admitted")).toMatch(/^kwok-node-/);

    const container = (pod: V1Pod) => pod.spec!.containers[0]!;
    const attempts: [string, (pod: V1Pod) => void][] = [
      [
        "root",
        (pod) => {
          pod.spec!.securityContext!.runAsUser = 0;
          pod.spec!.securityContext!.runAsNonRoot = false;
          container(pod).securityContext!.runAsNonRoot = false;
        },
      ],
      [
        "privilege escalation",
        (pod) => (container(pod).securityContext!.allowPrivilegeEscalation = true),
      ],
      [
        "added capability",
        (pod) => (container(pod).securityContext!.capabilities = { add: ["NET_ADMIN"] }),
      ],
      ["no seccomp profile", (pod) => (pod.spec!.securityContext!.seccompProfile = undefined)],
      [
        "host path",
        (pod) => {
          pod.spec!.volumes!.push({ name: "host", hostPath: { path: "/var/run" } });
        },
      ],
      ["host network", (pod) => (pod.spec!.hostNetwork = true)],
    ];
    for (const [what, change] of attempts) {
      const pod = runner(`runner-${what.replace(/ /g, "-")}`);
      change(pod);
      const error = await cluster.create(pod).catch((e: unknown) => e);
      expect(error, what).toBeInstanceOf(KubernetesApiError);
      expect((error as KubernetesApiError).code, what).toBe(403);
      expect((error as KubernetesApiError).message, what).toMatch(
        /violates PodSecurity "restricted/,
      );
    }

    // The local API server refuses privileged containers outright (no
    // --allow-privileged); a cluster that allows them has Pod Security refuse them here.
    const privileged = runner("runner-privileged");
    container(privileged).securityContext!.privileged = true;
    container(privileged).securityContext!.allowPrivilegeEscalation = true;
    const refused = await cluster.create(privileged).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KubernetesApiError);
    expect((refused as KubernetesApiError).message).toMatch(
      /violates PodSecurity "restricted|privileged: Forbidden: disallowed by cluster policy/,
    );
    expect(await cluster.readPod(spec.namespace, "runner-privileged")).toBeNull();
  });

  it("garbage-collects the JIT Secret with its Pod", async () => {
    const { object: pod } = await cluster.create(runner("runner-jit"));
    await cluster.create(
      buildJitSecret({
        namespace: spec.namespace,
        instanceName: "runner-jit",
        workspaceId,
        runnerId: "r",
        encodedJitConfig: "opaque-jit-config",
        ownerPod: { name: "runner-jit", uid: pod.metadata!.uid! },
      }),
    );
    const jitSecret = () => read<V1Secret>("Secret", "v1", "runner-jit-jit");
    expect((await jitSecret())?.metadata?.ownerReferences?.[0]?.uid).toBe(pod.metadata!.uid);

    expect(
      await cluster.delete(
        { apiVersion: "v1", kind: "Pod", namespace: spec.namespace, name: "runner-jit" },
        { uid: pod.metadata!.uid!, gracePeriodSeconds: 0 },
      ),
    ).toBe("deleted");
    await eventually("JIT Secret collected", async () =>
      (await jitSecret()) === undefined ? true : undefined,
    );
  });

  it("places GPU runners on the GPU node, spot runners on the spot node", async () => {
    await cluster.create(runner("runner-gpu", { gpu: { count: 1, type: "nvidia" } }));
    await cluster.create(runner("runner-spot", { spot: true }));
    expect(await runningOn("runner-gpu")).toBe("kwok-gpu-1");
    expect(await runningOn("runner-spot")).toBe("kwok-spot-1");
  });
});
