import { isIPv6 } from "node:net";
import type { V1NetworkPolicy, V1NetworkPolicyPeer } from "@kubernetes/client-node";
import { ownershipLabels } from "../labels.js";

// Runners run arbitrary workflow code, so their namespace starts from "nothing
// in, nothing out" and opens exactly two doors: DNS to the cluster's DNS pods,
// and the configured ports (HTTPS) to addresses outside the cluster. Outside
// means: not the pod or Service ranges (other tenants, in-cluster services)
// and not the cloud metadata endpoint (node credentials).

export interface ClusterNetwork {
  podCidrs: readonly string[];
  serviceCidrs: readonly string[];
  dnsNamespace: string;
  dnsPodLabels: Readonly<Record<string, string>>;
  egressTcpPorts: readonly number[];
}

/** kubeadm's ranges and CoreDNS's labels, and the local cluster's. */
export const defaultClusterNetwork: ClusterNetwork = {
  podCidrs: ["10.244.0.0/16"],
  serviceCidrs: ["10.96.0.0/12"],
  dnsNamespace: "kube-system",
  dnsPodLabels: { "k8s-app": "kube-dns" },
  egressTcpPorts: [443],
};

/** The instance metadata service of AWS, GCP and Azure, and AWS's IPv6 address for it. */
export const METADATA_CIDR_V4 = "169.254.169.254/32";
export const METADATA_CIDR_V6 = "fd00:ec2::254/128";

export const DEFAULT_DENY_POLICY_NAME = "hangar-default-deny";
export const EGRESS_POLICY_NAME = "hangar-egress";

export function buildDefaultDenyPolicy(input: {
  namespace: string;
  workspaceId: string;
}): V1NetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: DEFAULT_DENY_POLICY_NAME,
      namespace: input.namespace,
      labels: ownershipLabels(input.workspaceId, "tenancy"),
    },
    // Every pod, both directions, no rules: all traffic denied unless another policy allows it.
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
  };
}

export function buildEgressPolicy(input: {
  namespace: string;
  workspaceId: string;
  network: ClusterNetwork;
}): V1NetworkPolicy {
  const { network } = input;
  const clusterCidrs = [...network.podCidrs, ...network.serviceCidrs];
  const v4 = clusterCidrs.filter((cidr) => !isIPv6(cidr.split("/")[0] ?? ""));
  const v6 = clusterCidrs.filter((cidr) => isIPv6(cidr.split("/")[0] ?? ""));
  const outside: V1NetworkPolicyPeer[] = [
    { ipBlock: { cidr: "0.0.0.0/0", except: [METADATA_CIDR_V4, ...v4] } },
  ];
  // IPv6 egress only when the operator listed IPv6 pod ranges: without them
  // "::/0" would include other tenants' pods on a dual-stack cluster.
  if (network.podCidrs.some((cidr) => isIPv6(cidr.split("/")[0] ?? ""))) {
    outside.push({ ipBlock: { cidr: "::/0", except: [METADATA_CIDR_V6, ...v6] } });
  }
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: EGRESS_POLICY_NAME,
      namespace: input.namespace,
      labels: ownershipLabels(input.workspaceId, "tenancy"),
    },
    spec: {
      podSelector: {},
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: {
                matchLabels: { "kubernetes.io/metadata.name": network.dnsNamespace },
              },
              podSelector: { matchLabels: { ...network.dnsPodLabels } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
        {
          to: outside,
          ports: network.egressTcpPorts.map((port) => ({ protocol: "TCP", port })),
        },
      ],
    },
  };
}
