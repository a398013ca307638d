import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./load.js";
import { configError, productionEnv as production, variablesOf } from "./testing.js";
import { DEVELOPMENT_ENCRYPTION_KEY } from "./variables.js";

// The cluster facts (network ranges, spot and GPU nodes) and the encryption key
// ring: what parses, what is refused, and that no message repeats a key.

const key = () => randomBytes(32).toString("base64");

describe("kubernetes settings", () => {
  it("parses lists of CIDRs, labels, taints, ports and image prefixes", () => {
    const { kubernetes } = loadConfig({
      ...production,
      KUBECONFIG: "/etc/hangar/kubeconfig",
      HANGAR_KUBE_POD_CIDRS: "10.0.0.0/14, fd00:10::/56",
      HANGAR_KUBE_SERVICE_CIDRS: "172.20.0.0/16",
      HANGAR_KUBE_DNS_NAMESPACE: "dns",
      HANGAR_KUBE_DNS_POD_LABELS: "app.kubernetes.io/name=coredns,tier=dns",
      HANGAR_KUBE_EGRESS_PORTS: "443,80, 22",
      HANGAR_KUBE_SPOT_NODE_LABELS: "karpenter.sh/capacity-type=spot",
      HANGAR_KUBE_SPOT_TOLERATIONS: "spot=true:NoSchedule,preemptible:NoExecute",
      HANGAR_KUBE_GPU_RESOURCE: "amd.com/gpu",
      HANGAR_KUBE_GPU_NODE_LABELS: "pool=gpu",
      HANGAR_KUBE_GPU_TOLERATIONS: "amd.com/gpu:NoSchedule",
      HANGAR_KUBE_GPU_TYPE_LABEL: "cloud.google.com/gke-accelerator",
      HANGAR_RUNNER_READONLY_ROOT_IMAGES: "registry.example.com/runners/,ghcr.io/acme/runner",
    });
    expect(kubernetes).toEqual({
      connection: { mode: "kubeconfig", path: "/etc/hangar/kubeconfig" },
      namespacePrefix: "hangar-",
      network: {
        podCidrs: ["10.0.0.0/14", "fd00:10::/56"],
        serviceCidrs: ["172.20.0.0/16"],
        dnsNamespace: "dns",
        dnsPodLabels: { "app.kubernetes.io/name": "coredns", tier: "dns" },
        egressTcpPorts: [443, 80, 22],
      },
      placement: {
        spot: {
          nodeSelector: { "karpenter.sh/capacity-type": "spot" },
          tolerations: [
            { key: "spot", operator: "Equal", value: "true", effect: "NoSchedule" },
            { key: "preemptible", operator: "Exists", effect: "NoExecute" },
          ],
        },
        gpu: {
          resourceName: "amd.com/gpu",
          nodeSelector: { pool: "gpu" },
          tolerations: [{ key: "amd.com/gpu", operator: "Exists", effect: "NoSchedule" }],
          typeLabel: "cloud.google.com/gke-accelerator",
        },
      },
      readOnlyRootImages: ["registry.example.com/runners/", "ghcr.io/acme/runner"],
    });
  });

  it.each([
    ["HANGAR_KUBE_POD_CIDRS", "10.244.0.0"],
    ["HANGAR_KUBE_POD_CIDRS", "10.244.0.0/33"],
    ["HANGAR_KUBE_POD_CIDRS", " , "],
    ["HANGAR_KUBE_SERVICE_CIDRS", "fd00::/129"],
    ["HANGAR_KUBE_DNS_POD_LABELS", "k8s-app"],
    ["HANGAR_KUBE_EGRESS_PORTS", "443,70000"],
    ["HANGAR_KUBE_SPOT_NODE_LABELS", "a=b=c"],
    ["HANGAR_KUBE_SPOT_TOLERATIONS", "spot=true:Sometimes"],
    ["HANGAR_KUBE_GPU_TOLERATIONS", "nvidia.com/gpu"],
    ["HANGAR_KUBE_GPU_TYPE_LABEL", "not a label"],
  ])("refuses %s=%j", (variable, value) => {
    const error = configError({ ...production, [variable]: value });
    expect(variablesOf(error)).toEqual([variable]);
  });
});

describe("encryption key ring", () => {
  it("reads the current key's id and the previous keys, as secrets", () => {
    const old1 = key();
    const old2 = key();
    const { encryption } = loadConfig({
      ...production,
      HANGAR_ENCRYPTION_KEY_ID: "2026-02",
      HANGAR_ENCRYPTION_PREVIOUS_KEYS: `2025-08:${old1}, 2025-01:${old2}`,
    });
    expect(encryption.keyId).toBe("2026-02");
    expect(encryption.previousKeys.map((p) => [p.id, p.key.reveal()])).toEqual([
      ["2025-08", old1],
      ["2025-01", old2],
    ]);
    expect(inspect(encryption)).not.toContain(old1);
    expect(JSON.stringify(encryption)).not.toContain(old2);
  });

  it("refuses malformed previous keys without quoting them", () => {
    const short = randomBytes(16).toString("base64");
    const error = configError({
      ...production,
      HANGAR_ENCRYPTION_PREVIOUS_KEYS: `old:${short},${key()}`,
    });
    expect(variablesOf(error)).toEqual([
      "HANGAR_ENCRYPTION_PREVIOUS_KEYS",
      "HANGAR_ENCRYPTION_PREVIOUS_KEYS",
    ]);
    expect(error.message).toContain("entry 1");
    expect(error.message).toContain("entry 2");
    expect(error.message).not.toContain(short);
  });

  it("refuses a key id used twice, which would make some rows undecryptable", () => {
    const error = configError({
      ...production,
      HANGAR_ENCRYPTION_KEY_ID: "a",
      HANGAR_ENCRYPTION_PREVIOUS_KEYS: `a:${key()}`,
    });
    expect(variablesOf(error)).toEqual(["HANGAR_ENCRYPTION_PREVIOUS_KEYS"]);
  });

  it("refuses the public development key as a previous key outside dev only", () => {
    const env = { HANGAR_ENCRYPTION_PREVIOUS_KEYS: `dev:${DEVELOPMENT_ENCRYPTION_KEY}` };
    expect(variablesOf(configError({ ...production, ...env }))).toEqual([
      "HANGAR_ENCRYPTION_PREVIOUS_KEYS",
    ]);
    expect(
      loadConfig({ ...env, HANGAR_ENCRYPTION_KEY: key() }).encryption.previousKeys,
    ).toHaveLength(1);
  });

  it("refuses a key id that cannot be stored as one", () => {
    const error = configError({ ...production, HANGAR_ENCRYPTION_KEY_ID: "key one" });
    expect(variablesOf(error)).toEqual(["HANGAR_ENCRYPTION_KEY_ID"]);
  });
});
