import { describe, expect, it } from "vitest";
import { hangarLabels } from "../labels.js";
import { buildNamespace } from "./namespace.js";
import {
  buildDefaultDenyPolicy,
  buildEgressPolicy,
  defaultClusterNetwork,
  type ClusterNetwork,
} from "./network-policy.js";
import {
  buildPullSecret,
  pullSecretName,
  pullSecretRefreshAt,
  pullSecretRefreshDue,
  type RegistryLogin,
} from "./pull-secret.js";
import { buildLimitRange, buildResourceQuota, type WorkspacePlan } from "./quota.js";

const workspaceId = "0b5c7b9e-2f7e-4a59-9d3c-1b2a3c4d5e6f";
const namespace = "hangar-acme";
const plan: WorkspacePlan = {
  maxCpuMillis: 32000,
  maxMemoryMib: 131072,
  maxGpus: 2,
  maxRunners: 20,
};

describe("buildNamespace", () => {
  it("enforces Pod Security restricted and carries the ownership labels", () => {
    expect(buildNamespace({ name: namespace, workspaceId }).metadata?.labels).toEqual({
      [hangarLabels.managedBy]: "hangar",
      [hangarLabels.workspace]: workspaceId,
      [hangarLabels.component]: "tenancy",
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "latest",
      "pod-security.kubernetes.io/warn": "restricted",
      "pod-security.kubernetes.io/warn-version": "latest",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/audit-version": "latest",
    });
  });
});

describe("plan objects", () => {
  it.each<{ name: string; plan: WorkspacePlan; hard: Record<string, string>; limit: unknown }>([
    {
      name: "the default plan",
      plan,
      hard: {
        "requests.cpu": "32000m",
        "limits.cpu": "32000m",
        "requests.memory": "131072Mi",
        "limits.memory": "131072Mi",
        "requests.nvidia.com/gpu": "2",
        pods: "20",
      },
      limit: {
        type: "Container",
        _default: { cpu: "1000m", memory: "2048Mi" },
        defaultRequest: { cpu: "1000m", memory: "2048Mi" },
        max: { cpu: "32000m", memory: "131072Mi" },
      },
    },
    {
      name: "a plan smaller than the defaults",
      plan: { maxCpuMillis: 500, maxMemoryMib: 512, maxGpus: 0, maxRunners: 1 },
      hard: {
        "requests.cpu": "500m",
        "limits.cpu": "500m",
        "requests.memory": "512Mi",
        "limits.memory": "512Mi",
        "requests.nvidia.com/gpu": "0",
        pods: "1",
      },
      limit: {
        type: "Container",
        _default: { cpu: "500m", memory: "512Mi" },
        defaultRequest: { cpu: "500m", memory: "512Mi" },
        max: { cpu: "500m", memory: "512Mi" },
      },
    },
    {
      name: "a suspended (zero) plan",
      plan: { maxCpuMillis: 0, maxMemoryMib: 0, maxGpus: 0, maxRunners: 0 },
      hard: {
        "requests.cpu": "0m",
        "limits.cpu": "0m",
        "requests.memory": "0Mi",
        "limits.memory": "0Mi",
        "requests.nvidia.com/gpu": "0",
        pods: "0",
      },
      limit: { type: "Container", _default: {}, defaultRequest: {}, max: {} },
    },
  ])("$name", ({ plan: p, hard, limit }) => {
    const quota = buildResourceQuota({
      namespace,
      workspaceId,
      plan: p,
      gpuResourceName: "nvidia.com/gpu",
    });
    expect(quota.spec?.hard).toEqual(hard);
    expect(buildLimitRange({ namespace, workspaceId, plan: p }).spec?.limits).toEqual([limit]);
  });
});

describe("network policies", () => {
  it("denies everything in both directions by default", () => {
    expect(buildDefaultDenyPolicy({ namespace, workspaceId }).spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
    });
  });

  it.each<{ name: string; network: ClusterNetwork; outside: unknown; ports: unknown }>([
    {
      name: "IPv4 cluster, defaults",
      network: defaultClusterNetwork,
      outside: [
        {
          ipBlock: {
            cidr: "0.0.0.0/0",
            except: ["169.254.169.254/32", "10.244.0.0/16", "10.96.0.0/12"],
          },
        },
      ],
      ports: [{ protocol: "TCP", port: 443 }],
    },
    {
      name: "dual-stack cluster with extra ports",
      network: {
        ...defaultClusterNetwork,
        podCidrs: ["10.0.0.0/14", "fd00:10::/56"],
        serviceCidrs: ["172.20.0.0/16", "fd00:20::/112"],
        egressTcpPorts: [443, 80],
      },
      outside: [
        {
          ipBlock: {
            cidr: "0.0.0.0/0",
            except: ["169.254.169.254/32", "10.0.0.0/14", "172.20.0.0/16"],
          },
        },
        {
          ipBlock: { cidr: "::/0", except: ["fd00:ec2::254/128", "fd00:10::/56", "fd00:20::/112"] },
        },
      ],
      ports: [
        { protocol: "TCP", port: 443 },
        { protocol: "TCP", port: 80 },
      ],
    },
  ])("egress: $name", ({ network, outside, ports }) => {
    const spec = buildEgressPolicy({ namespace, workspaceId, network }).spec!;
    expect(spec.policyTypes).toEqual(["Egress"]);
    expect(spec.egress).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
          },
        ],
        ports: [
          { protocol: "UDP", port: 53 },
          { protocol: "TCP", port: 53 },
        ],
      },
      { to: outside, ports },
    ]);
  });
});

describe("pull Secrets", () => {
  const issuedAt = new Date("2026-03-01T00:00:00Z");
  const login = (l: Partial<RegistryLogin> = {}): RegistryLogin => ({
    username: "robot",
    password: "s3cret:with:colons",
    issuedAt,
    expiresAt: null,
    ...l,
  });

  it("holds a docker config for exactly the credential's registry", () => {
    const secret = buildPullSecret({
      namespace,
      workspaceId,
      credentialId: "c0ffee00-0000-4000-8000-000000000001",
      registryHost: "registry.example.com",
      revision: "2026-03-01T00:00:00.000Z",
      login: login(),
    });
    expect(secret.type).toBe("kubernetes.io/dockerconfigjson");
    expect(secret.metadata?.name).toBe(pullSecretName("c0ffee00-0000-4000-8000-000000000001"));
    const config: unknown = JSON.parse(
      Buffer.from(secret.data![".dockerconfigjson"]!, "base64").toString(),
    );
    expect(config).toEqual({
      auths: {
        "registry.example.com": {
          username: "robot",
          password: "s3cret:with:colons",
          auth: Buffer.from("robot:s3cret:with:colons").toString("base64"),
        },
      },
    });
  });

  const at = (iso: string) => new Date(iso);
  const secretWith = (annotations: Record<string, string>) => ({ metadata: { annotations } });
  const ecr = {
    "hangar.dev/credential-revision": "r1",
    "hangar.dev/issued-at": "2026-03-01T00:00:00.000Z",
    "hangar.dev/expires-at": "2026-03-01T12:00:00.000Z",
  };
  it.each<{
    name: string;
    annotations: Record<string, string>;
    now: Date;
    revision: string;
    due: boolean;
  }>([
    {
      name: "fresh ECR login",
      annotations: ecr,
      now: at("2026-03-01T05:59:59Z"),
      revision: "r1",
      due: false,
    },
    {
      name: "ECR login at half-life",
      annotations: ecr,
      now: at("2026-03-01T06:00:00Z"),
      revision: "r1",
      due: true,
    },
    {
      name: "expired ECR login",
      annotations: ecr,
      now: at("2026-03-02T00:00:00Z"),
      revision: "r1",
      due: true,
    },
    {
      name: "credential changed",
      annotations: ecr,
      now: at("2026-03-01T01:00:00Z"),
      revision: "r2",
      due: true,
    },
    {
      name: "non-expiring login, years later",
      annotations: {
        "hangar.dev/credential-revision": "r1",
        "hangar.dev/issued-at": "2020-01-01T00:00:00Z",
      },
      now: at("2030-01-01T00:00:00Z"),
      revision: "r1",
      due: false,
    },
    {
      name: "damaged annotations",
      annotations: { ...ecr, "hangar.dev/issued-at": "yesterday" },
      now: at("2026-03-01T00:00:01Z"),
      revision: "r1",
      due: true,
    },
    {
      name: "no annotations",
      annotations: {},
      now: at("2026-03-01T00:00:01Z"),
      revision: "r1",
      due: true,
    },
  ])("refresh due: $name → $due", ({ annotations, now, revision, due }) => {
    expect(pullSecretRefreshDue(secretWith(annotations), { revision, now })).toBe(due);
  });

  it("says when an ECR Secret should be renewed, for a schedule to wake up then", () => {
    const secret = buildPullSecret({
      namespace,
      workspaceId,
      credentialId: "c1",
      registryHost: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
      revision: "r1",
      login: login({ expiresAt: new Date(issuedAt.getTime() + 12 * 3600_000) }),
    });
    expect(pullSecretRefreshAt(secret)).toEqual(new Date(issuedAt.getTime() + 6 * 3600_000));
    expect(
      pullSecretRefreshAt(
        buildPullSecret({
          namespace,
          workspaceId,
          credentialId: "c2",
          registryHost: "r",
          revision: "r1",
          login: login(),
        }),
      ),
    ).toBeNull();
  });
});
