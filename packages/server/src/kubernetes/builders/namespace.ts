import type { V1Namespace } from "@kubernetes/client-node";
import { ownershipLabels } from "../labels.js";

// A workspace's namespace. Pod Security Admission `restricted` is enforced by
// the API server itself, so a pod that could escalate (privileged, root, host
// namespaces, added capabilities) is refused whoever creates it.

export const podSecurityLabels = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  // Warnings and audit entries as well, so a change that would break admission shows early.
  "pod-security.kubernetes.io/warn": "restricted",
  "pod-security.kubernetes.io/warn-version": "latest",
  "pod-security.kubernetes.io/audit": "restricted",
  "pod-security.kubernetes.io/audit-version": "latest",
} as const;

export function buildNamespace(input: { name: string; workspaceId: string }): V1Namespace {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: input.name,
      labels: { ...ownershipLabels(input.workspaceId, "tenancy"), ...podSecurityLabels },
    },
  };
}
