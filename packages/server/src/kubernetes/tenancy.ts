import type { KubernetesObject, V1Namespace, V1Secret } from "@kubernetes/client-node";
import { buildNamespace } from "./builders/namespace.js";
import {
  buildDefaultDenyPolicy,
  buildEgressPolicy,
  defaultClusterNetwork,
  type ClusterNetwork,
} from "./builders/network-policy.js";
import {
  buildPullSecret,
  pullSecretName,
  pullSecretRefreshDue,
  registryCredentialLabel,
  type RegistryLogin,
} from "./builders/pull-secret.js";
import { buildLimitRange, buildResourceQuota, type WorkspacePlan } from "./builders/quota.js";
import type { KubernetesCluster } from "./cluster.js";
import { hangarLabels, labelSelector, MANAGED_BY, ownershipLabels } from "./labels.js";

// Converges one workspace's namespace to what its plan and credentials say:
// applies every object (server-side apply, so a repeat is a no-op), rebuilds
// pull Secrets whose credential changed or whose login is due for renewal, and
// deletes pull Secrets whose credential is gone. Knows nothing of the database:
// the caller hands over the workspace and a way to log in per credential.

export interface TenancySettings {
  network: ClusterNetwork;
  /** The extended resource GPUs are requested (and so limited) as. */
  gpuResourceName: string;
}

export const defaultTenancySettings: TenancySettings = {
  network: defaultClusterNetwork,
  gpuResourceName: "nvidia.com/gpu",
};

export interface ClusterCredential {
  id: string;
  registryHost: string;
  /** Changes whenever the credential does (its row's updated_at). */
  revision: string;
  /** Decrypts and logs in; called only when the pull Secret must be (re)built. */
  login(): Promise<RegistryLogin>;
}

export interface WorkspaceClusterSpec {
  workspaceId: string;
  namespace: string;
  plan: WorkspacePlan;
  credentials: readonly ClusterCredential[];
}

export interface ConvergeResult {
  namespace: string;
  pullSecrets: {
    /** Credential ids whose Secret was written this time. */
    written: string[];
    unchanged: number;
    /** Secret names removed because their credential is gone. */
    deleted: string[];
    /** Credentials that could not log in; their previous Secret, if any, stays. */
    failed: { credentialId: string; message: string }[];
  };
}

/** A namespace of that name exists but is not this workspace's: never take it over. */
export class NamespaceOwnershipError extends Error {
  override name = "NamespaceOwnershipError";
}

/** The namespace is still being deleted; converging must wait until it is gone. */
export class NamespaceTerminatingError extends Error {
  override name = "NamespaceTerminatingError";
}

export function ownsNamespace(namespace: V1Namespace, workspaceId: string): boolean {
  const labels = namespace.metadata?.labels ?? {};
  return (
    labels[hangarLabels.managedBy] === MANAGED_BY && labels[hangarLabels.workspace] === workspaceId
  );
}

/** The objects every workspace namespace holds besides pull Secrets, namespace first. */
export function workspaceObjects(
  spec: Pick<WorkspaceClusterSpec, "workspaceId" | "namespace" | "plan">,
  settings: TenancySettings,
): KubernetesObject[] {
  const base = { namespace: spec.namespace, workspaceId: spec.workspaceId };
  return [
    buildNamespace({ name: spec.namespace, workspaceId: spec.workspaceId }),
    // Policies before anything else, so nothing in the namespace ever runs unfenced.
    buildDefaultDenyPolicy(base),
    buildEgressPolicy({ ...base, network: settings.network }),
    buildResourceQuota({ ...base, plan: spec.plan, gpuResourceName: settings.gpuResourceName }),
    buildLimitRange({ ...base, plan: spec.plan }),
  ];
}

export async function convergeWorkspaceCluster(
  cluster: KubernetesCluster,
  spec: WorkspaceClusterSpec,
  settings: TenancySettings,
  now: Date,
): Promise<ConvergeResult> {
  await checkNamespace(cluster, spec);
  for (const object of workspaceObjects(spec, settings)) await cluster.apply(object);

  const existing = await cluster.list<V1Secret>("v1", "Secret", {
    namespace: spec.namespace,
    labelSelector: `${labelSelector(ownershipLabels(spec.workspaceId, "tenancy"))},${registryCredentialLabel}`,
  });
  const byName = new Map(existing.map((secret) => [secret.metadata?.name ?? "", secret]));
  const result: ConvergeResult = {
    namespace: spec.namespace,
    pullSecrets: { written: [], unchanged: 0, deleted: [], failed: [] },
  };

  for (const credential of spec.credentials) {
    const current = byName.get(pullSecretName(credential.id));
    if (current && !pullSecretRefreshDue(current, { revision: credential.revision, now })) {
      result.pullSecrets.unchanged += 1;
      continue;
    }
    let login: RegistryLogin;
    try {
      login = await credential.login();
    } catch (error) {
      // One bad credential must not hold up the namespace or the others; an
      // existing Secret stays, as its login may still be valid.
      result.pullSecrets.failed.push({
        credentialId: credential.id,
        message: error instanceof Error ? `${error.name}: ${error.message}` : "login failed",
      });
      continue;
    }
    await cluster.apply(
      buildPullSecret({
        namespace: spec.namespace,
        workspaceId: spec.workspaceId,
        credentialId: credential.id,
        registryHost: credential.registryHost,
        revision: credential.revision,
        login,
      }),
    );
    result.pullSecrets.written.push(credential.id);
  }

  const live = new Set(spec.credentials.map((credential) => pullSecretName(credential.id)));
  for (const name of byName.keys()) {
    if (live.has(name)) continue;
    await cluster.delete({ apiVersion: "v1", kind: "Secret", namespace: spec.namespace, name });
    result.pullSecrets.deleted.push(name);
  }
  return result;
}

/** Deletes the workspace's namespace (and so everything in it); "absent" when already gone. */
export async function removeWorkspaceNamespace(
  cluster: KubernetesCluster,
  workspace: { workspaceId: string; namespace: string },
): Promise<"deleted" | "absent"> {
  const existing = await cluster.readNamespace(workspace.namespace);
  if (existing === null) return "absent";
  if (!ownsNamespace(existing, workspace.workspaceId)) {
    throw new NamespaceOwnershipError(
      `namespace ${workspace.namespace} is not workspace ${workspace.workspaceId}'s; not deleting it`,
    );
  }
  // Already terminating counts as done: the API server finishes the deletion.
  if (existing.status?.phase === "Terminating") return "deleted";
  return cluster.delete(
    { apiVersion: "v1", kind: "Namespace", name: workspace.namespace },
    { uid: existing.metadata?.uid },
  );
}

async function checkNamespace(cluster: KubernetesCluster, spec: WorkspaceClusterSpec) {
  const existing = await cluster.readNamespace(spec.namespace);
  if (existing === null) return;
  if (!ownsNamespace(existing, spec.workspaceId)) {
    throw new NamespaceOwnershipError(
      `namespace ${spec.namespace} exists and is not workspace ${spec.workspaceId}'s`,
    );
  }
  if (existing.status?.phase === "Terminating") {
    throw new NamespaceTerminatingError(
      `namespace ${spec.namespace} is being deleted; converge again once it is gone`,
    );
  }
}
