import type { Kysely } from "kysely";
import type { SecretCipher } from "../crypto/envelope.js";
import {
  openRegistryCredential,
  rewrapRegistryCredential,
  type StoredRegistryCredential,
} from "../crypto/registry-credentials.js";
import type { KubernetesCluster } from "../kubernetes/cluster.js";
import { createEcrLoginSource, type EcrLoginSource } from "../kubernetes/ecr.js";
import { registryLogin } from "../kubernetes/registry-logins.js";
import {
  convergeWorkspaceCluster,
  defaultTenancySettings,
  removeWorkspaceNamespace,
  type ClusterCredential,
  type ConvergeResult,
  type TenancySettings,
} from "../kubernetes/tenancy.js";
import type { Database } from "../storage/schema.js";

// A workspace's share of the cluster, kept in step with its row: namespace,
// quota and limits from the plan, network policies, and one pull Secret per
// live registry credential. Both activities are idempotent and meant to be
// called again whenever anything might have changed (and on a schedule, which
// also renews ECR logins before they expire).

export type EnsureWorkspaceClusterResult =
  | ({ result: "converged" } & ConvergeResult)
  /** The workspace is deleted: its namespace was removed instead. */
  | { result: "removed"; namespace: string; namespaceDeletion: "deleted" | "absent" }
  | { result: "unknown-workspace" };

export type RemoveWorkspaceClusterResult =
  | { result: "removed"; namespace: string; namespaceDeletion: "deleted" | "absent" }
  | { result: "unknown-workspace" };

export function createTenancyActivities(deps: {
  db: Kysely<Database>;
  cluster: KubernetesCluster;
  crypto: SecretCipher;
  /** Exchanges AWS keys for ECR logins; AWS's public endpoint unless given. */
  ecr?: EcrLoginSource;
  settings?: Partial<TenancySettings>;
  now?: () => Date;
}) {
  const { db, cluster, crypto } = deps;
  const ecr = deps.ecr ?? createEcrLoginSource();
  const settings: TenancySettings = { ...defaultTenancySettings, ...deps.settings };
  const now = deps.now ?? (() => new Date());

  const readWorkspace = (workspaceId: string) =>
    db
      .selectFrom("workspaces")
      .select([
        "id",
        "namespace",
        "deleted_at",
        "max_cpu_millis",
        "max_memory_mib",
        "max_gpus",
        "max_runners",
      ])
      .where("id", "=", workspaceId)
      .executeTakeFirst();

  /** Live credentials, each re-encrypted under the current key if it is not already. */
  async function liveCredentials(workspaceId: string): Promise<ClusterCredential[]> {
    const rows = await db
      .selectFrom("registry_credentials")
      .select([
        "id",
        "workspace_id",
        "kind",
        "registry_host",
        "encrypted_secret",
        "encryption_key_id",
        "updated_at",
      ])
      .where("workspace_id", "=", workspaceId)
      .where("deleted_at", "is", null)
      .orderBy("id")
      .execute();
    const credentials: ClusterCredential[] = [];
    for (const row of rows) {
      const current = await reencrypt(row);
      credentials.push({
        id: current.id,
        registryHost: current.registry_host,
        revision: current.updated_at.toISOString(),
        login: async () => {
          try {
            const secret = openRegistryCredential(crypto, current);
            return await registryLogin(secret.reveal(), current.registry_host, { ecr, now: now() });
          } catch (error) {
            const reason = error instanceof Error ? error.message : "login failed";
            throw new Error(
              `registry credential ${current.id} (${current.registry_host}): ${reason}`,
              {
                cause: error,
              },
            );
          }
        },
      });
    }
    return credentials;
  }

  /**
   * Finishes a key rotation one row at a time. The update only applies if the
   * row is unchanged since it was read, so a concurrent edit is never overwritten
   * with the older secret.
   */
  async function reencrypt<T extends StoredRegistryCredential & { updated_at: Date }>(
    row: T,
  ): Promise<T> {
    const rewrapped = rewrapRegistryCredential(crypto, row);
    if (rewrapped === null) return row;
    const updated = await db
      .updateTable("registry_credentials")
      .set(rewrapped)
      .where("id", "=", row.id)
      .where("encryption_key_id", "=", row.encryption_key_id)
      .where("encrypted_secret", "=", row.encrypted_secret)
      .returning("updated_at")
      .executeTakeFirst();
    return updated === undefined ? row : { ...row, ...rewrapped, updated_at: updated.updated_at };
  }

  async function remove(workspace: { id: string; namespace: string }) {
    const namespaceDeletion = await removeWorkspaceNamespace(cluster, {
      workspaceId: workspace.id,
      namespace: workspace.namespace,
    });
    return { result: "removed" as const, namespace: workspace.namespace, namespaceDeletion };
  }

  return {
    async ensureWorkspaceCluster(workspaceId: string): Promise<EnsureWorkspaceClusterResult> {
      const workspace = await readWorkspace(workspaceId);
      if (workspace === undefined) return { result: "unknown-workspace" };
      if (workspace.deleted_at !== null) return remove(workspace);
      const converged = await convergeWorkspaceCluster(
        cluster,
        {
          workspaceId,
          namespace: workspace.namespace,
          plan: {
            maxCpuMillis: workspace.max_cpu_millis,
            maxMemoryMib: workspace.max_memory_mib,
            maxGpus: workspace.max_gpus,
            maxRunners: workspace.max_runners,
          },
          credentials: await liveCredentials(workspaceId),
        },
        settings,
        now(),
      );
      return { result: "converged", ...converged };
    },

    async removeWorkspaceCluster(workspaceId: string): Promise<RemoveWorkspaceClusterResult> {
      const workspace = await readWorkspace(workspaceId);
      if (workspace === undefined) return { result: "unknown-workspace" };
      return remove(workspace);
    },
  };
}

export type TenancyActivities = ReturnType<typeof createTenancyActivities>;

/**
 * The installation workflow's hooks (prepareInstallation, teardownInstallation)
 * in tenancy terms: an installed installation's workspace gets its cluster
 * objects; the namespace goes when the workspace's last installation is
 * deleted. A suspended installation keeps it, since unsuspending is routine.
 * Installations not linked to a workspace yet have nothing to converge.
 */
export function createInstallationTenancy(deps: {
  db: Kysely<Database>;
  tenancy: Pick<TenancyActivities, "ensureWorkspaceCluster" | "removeWorkspaceCluster">;
}) {
  const { db, tenancy } = deps;
  const workspaceOf = async (installationId: number) =>
    (
      await db
        .selectFrom("github_installations")
        .select("workspace_id")
        .where("installation_id", "=", BigInt(installationId))
        .executeTakeFirst()
    )?.workspace_id ?? null;

  return {
    async prepareInstallation(installationId: number): Promise<void> {
      const workspaceId = await workspaceOf(installationId);
      if (workspaceId !== null) await tenancy.ensureWorkspaceCluster(workspaceId);
    },

    async teardownInstallation(installationId: number): Promise<void> {
      const workspaceId = await workspaceOf(installationId);
      if (workspaceId === null) return;
      const remaining = await db
        .selectFrom("github_installations")
        .select("installation_id")
        .where("workspace_id", "=", workspaceId)
        .where("state", "<>", "deleted")
        .executeTakeFirst();
      if (remaining === undefined) await tenancy.removeWorkspaceCluster(workspaceId);
    },
  };
}
