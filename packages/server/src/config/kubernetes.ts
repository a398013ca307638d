import { isIP } from "node:net";
import { z } from "zod";
import { integer, namespacePrefix, nonBlank } from "./parsers.js";
import type { KubernetesConfig, TolerationConfig } from "./types.js";

// The cluster side of the configuration: how to reach it, and the facts about
// its nodes and network that Hangar's objects must match (node labels and
// taints for spot and GPU capacity, the pod and service address ranges).

/**
 * Comma-separated; blanks around items and empty items are ignored. Item
 * problems are reported against the variable itself (not an index), once.
 */
function list<T>(item: z.ZodType<T, string>) {
  return z.string().transform((value, ctx) => {
    const parsed: T[] = [];
    for (const part of value.split(",")) {
      const trimmed = part.trim();
      if (trimmed === "") continue;
      const result = item.safeParse(trimmed);
      if (result.success) {
        parsed.push(result.data);
      } else {
        ctx.addIssue({ code: "custom", message: result.error.issues[0]?.message ?? "is invalid" });
        return z.NEVER;
      }
    }
    return parsed;
  });
}

/** An IPv4 or IPv6 network in CIDR notation. */
const cidr = z.string().refine((value) => {
  const [address, prefix, extra] = value.split("/");
  if (address === undefined || prefix === undefined || extra !== undefined) return false;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  const version = isIP(address);
  return version !== 0 && Number(prefix) <= (version === 4 ? 32 : 128);
}, "must be comma-separated CIDRs (for example 10.244.0.0/16)");

// Label keys: an optional DNS-subdomain prefix and a name; values: up to 63 characters.
const labelKey =
  /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

const labelPair = z.string().transform((value, ctx) => {
  const [key = "", val, extra] = value.split("=");
  if (val === undefined || extra !== undefined || !labelKey.test(key) || !labelValue.test(val)) {
    ctx.addIssue({ code: "custom", message: "must be comma-separated key=value node labels" });
    return z.NEVER;
  }
  return [key, val] as const;
});

const labels = list(labelPair).transform((pairs) => Object.fromEntries(pairs));

const effects = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

/** `key:Effect` tolerates any value of the taint; `key=value:Effect` only that value. */
const toleration = z.string().transform((value, ctx): TolerationConfig => {
  const match = /^([^=:]+)(?:=([^:]*))?:([A-Za-z]+)$/.exec(value);
  const effect = effects.find((e) => e === match?.[3]);
  const key = match?.[1] ?? "";
  if (!match || effect === undefined || !labelKey.test(key)) {
    ctx.addIssue({
      code: "custom",
      message: `must be comma-separated key[=value]:Effect taints (Effect one of ${effects.join(", ")})`,
    });
    return z.NEVER;
  }
  const taintValue = match[2];
  return taintValue === undefined
    ? { key, operator: "Exists", effect }
    : { key, operator: "Equal", value: taintValue, effect };
});

const labelKeyOrEmpty = z
  .string()
  .refine((value) => value === "" || labelKey.test(value), "must be a node label key");

export function kubernetesSection() {
  return z
    .object({
      KUBECONFIG: nonBlank.optional(),
      HANGAR_KUBE_NAMESPACE_PREFIX: namespacePrefix,
      HANGAR_KUBE_POD_CIDRS: list(cidr),
      HANGAR_KUBE_SERVICE_CIDRS: list(cidr),
      HANGAR_KUBE_DNS_NAMESPACE: nonBlank,
      HANGAR_KUBE_DNS_POD_LABELS: labels,
      HANGAR_KUBE_EGRESS_PORTS: list(integer({ min: 1, max: 65535 })),
      HANGAR_KUBE_SPOT_NODE_LABELS: labels,
      HANGAR_KUBE_SPOT_TOLERATIONS: list(toleration).optional(),
      HANGAR_KUBE_GPU_RESOURCE: nonBlank,
      HANGAR_KUBE_GPU_NODE_LABELS: labels.optional(),
      HANGAR_KUBE_GPU_TOLERATIONS: list(toleration),
      HANGAR_KUBE_GPU_TYPE_LABEL: labelKeyOrEmpty.optional(),
      HANGAR_RUNNER_READONLY_ROOT_IMAGES: list(nonBlank).optional(),
    })
    .transform((env, ctx): KubernetesConfig => {
      // Without the pod ranges the egress policy would let runners reach other tenants.
      for (const name of ["HANGAR_KUBE_POD_CIDRS", "HANGAR_KUBE_EGRESS_PORTS"] as const) {
        if (env[name].length === 0) {
          ctx.addIssue({ code: "custom", path: [name], message: "must not be empty" });
        }
      }
      return {
        connection:
          env.KUBECONFIG === undefined
            ? { mode: "in-cluster" as const }
            : { mode: "kubeconfig" as const, path: env.KUBECONFIG },
        namespacePrefix: env.HANGAR_KUBE_NAMESPACE_PREFIX,
        network: {
          podCidrs: env.HANGAR_KUBE_POD_CIDRS,
          serviceCidrs: env.HANGAR_KUBE_SERVICE_CIDRS,
          dnsNamespace: env.HANGAR_KUBE_DNS_NAMESPACE,
          dnsPodLabels: env.HANGAR_KUBE_DNS_POD_LABELS,
          egressTcpPorts: env.HANGAR_KUBE_EGRESS_PORTS,
        },
        placement: {
          spot: {
            nodeSelector: env.HANGAR_KUBE_SPOT_NODE_LABELS,
            tolerations: env.HANGAR_KUBE_SPOT_TOLERATIONS ?? [],
          },
          gpu: {
            resourceName: env.HANGAR_KUBE_GPU_RESOURCE,
            nodeSelector: env.HANGAR_KUBE_GPU_NODE_LABELS ?? {},
            tolerations: env.HANGAR_KUBE_GPU_TOLERATIONS,
            typeLabel: env.HANGAR_KUBE_GPU_TYPE_LABEL || null,
          },
        },
        readOnlyRootImages: env.HANGAR_RUNNER_READONLY_ROOT_IMAGES ?? [],
      };
    });
}
