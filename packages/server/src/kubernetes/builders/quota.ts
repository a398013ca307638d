import type { V1LimitRange, V1ResourceQuota } from "@kubernetes/client-node";
import { ownershipLabels } from "../labels.js";

// The workspace's plan as cluster limits. The quota caps the namespace's total
// (what the tenant pays for); the limit range gives containers that state no
// resources a default, since a quota on limits refuses such pods outright.

export interface WorkspacePlan {
  maxCpuMillis: number;
  maxMemoryMib: number;
  maxGpus: number;
  /** Concurrent runner instances; every runner is one pod. */
  maxRunners: number;
}

export const RESOURCE_QUOTA_NAME = "hangar-plan";
export const LIMIT_RANGE_NAME = "hangar-defaults";

/** What a container without resources gets, unless the plan is smaller. */
const DEFAULT_CPU_MILLIS = 1000;
const DEFAULT_MEMORY_MIB = 2048;

export function buildResourceQuota(input: {
  namespace: string;
  workspaceId: string;
  plan: WorkspacePlan;
  /** The extended resource GPUs are requested as (nvidia.com/gpu). */
  gpuResourceName: string;
}): V1ResourceQuota {
  const cpu = `${input.plan.maxCpuMillis}m`;
  const memory = `${input.plan.maxMemoryMib}Mi`;
  return {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: {
      name: RESOURCE_QUOTA_NAME,
      namespace: input.namespace,
      labels: ownershipLabels(input.workspaceId, "tenancy"),
    },
    spec: {
      hard: {
        "requests.cpu": cpu,
        "limits.cpu": cpu,
        "requests.memory": memory,
        "limits.memory": memory,
        // Extended resources can only be limited by request (they cannot overcommit).
        [`requests.${input.gpuResourceName}`]: String(input.plan.maxGpus),
        pods: String(input.plan.maxRunners),
      },
    },
  };
}

export function buildLimitRange(input: {
  namespace: string;
  workspaceId: string;
  plan: WorkspacePlan;
}): V1LimitRange {
  const defaults: Record<string, string> = {};
  const max: Record<string, string> = {};
  // A zero plan leaves the resource out: a default of zero would be refused as
  // invalid, and the quota already admits nothing.
  if (input.plan.maxCpuMillis > 0) {
    defaults.cpu = `${Math.min(DEFAULT_CPU_MILLIS, input.plan.maxCpuMillis)}m`;
    max.cpu = `${input.plan.maxCpuMillis}m`;
  }
  if (input.plan.maxMemoryMib > 0) {
    defaults.memory = `${Math.min(DEFAULT_MEMORY_MIB, input.plan.maxMemoryMib)}Mi`;
    max.memory = `${input.plan.maxMemoryMib}Mi`;
  }
  return {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: {
      name: LIMIT_RANGE_NAME,
      namespace: input.namespace,
      labels: ownershipLabels(input.workspaceId, "tenancy"),
    },
    spec: {
      limits: [
        {
          type: "Container",
          // requests = limits, as for runners: nothing in a tenant's namespace overcommits a node.
          _default: { ...defaults },
          defaultRequest: { ...defaults },
          max,
        },
      ],
    },
  };
}
