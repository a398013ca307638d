import type { Kysely } from "kysely";
import type { Cluster } from "../kubernetes/cluster.js";
import type { Logger } from "../observability/logger.js";
import type { RunnerMetrics } from "../observability/metrics-runners.js";
import type { Database } from "../storage/schema.js";
import { withHeartbeats } from "./activity-context.js";
import type { TenancyActivities } from "./tenancy.js";

// Keeps every workspace's share of the cluster converged, not only when an
// installation event asks: objects edited or deleted by hand are put back, plan
// changes reach the quota, deleted credentials lose their pull Secret, ECR logins are
// renewed before their 12 hours run out, and a deleted workspace's namespace goes.
// One workspace failing never stops the others.

export interface TenancyConvergenceReport {
  converged: number;
  removed: number;
  /** Pull Secrets written this round (new, changed or renewed logins). */
  pullSecretsWritten: number;
  /** Registry credentials that could not log in (their previous Secret stays). */
  credentialFailures: number;
  failures: { workspaceId: string; message: string }[];
}

export function createTenancyConvergenceActivities(deps: {
  db: Kysely<Database>;
  tenancy: Pick<TenancyActivities, "ensureWorkspaceCluster" | "removeWorkspaceCluster">;
  cluster: Pick<Cluster, "readNamespace">;
  logger: Logger;
  metrics?: Pick<RunnerMetrics, "reconcilerActions">;
}) {
  const { db, tenancy, cluster } = deps;
  const log = deps.logger.child({ subsystem: "tenancy-convergence" });

  return {
    async convergeWorkspaces(): Promise<TenancyConvergenceReport> {
      // Workspaces that run something: linked to an installation that is not deleted.
      const live = await db
        .selectFrom("workspaces as w")
        .select(["w.id"])
        .where("w.deleted_at", "is", null)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom("github_installations as gi")
              .select("gi.installation_id")
              .whereRef("gi.workspace_id", "=", "w.id")
              .where("gi.state", "<>", "deleted"),
          ),
        )
        .orderBy("w.id")
        .execute();
      const deleted = await db
        .selectFrom("workspaces")
        .select(["id", "namespace"])
        .where("deleted_at", "is not", null)
        .orderBy("id")
        .execute();

      const report: TenancyConvergenceReport = {
        converged: 0,
        removed: 0,
        pullSecretsWritten: 0,
        credentialFailures: 0,
        failures: [],
      };
      const attempt = async (workspaceId: string, work: () => Promise<void>) => {
        try {
          await withHeartbeats(work);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          report.failures.push({ workspaceId, message });
          log.warn({ workspaceId, err: error }, "workspace convergence failed");
        }
      };

      for (const { id } of live) {
        await attempt(id, async () => {
          const result = await tenancy.ensureWorkspaceCluster(id);
          if (result.result !== "converged") return;
          report.converged += 1;
          report.pullSecretsWritten += result.pullSecrets.written.length;
          report.credentialFailures += result.pullSecrets.failed.length;
        });
      }
      for (const workspace of deleted) {
        // Most deleted workspaces were removed long ago: one read, no delete call.
        await attempt(workspace.id, async () => {
          if ((await cluster.readNamespace(workspace.namespace)) === null) return;
          const result = await tenancy.removeWorkspaceCluster(workspace.id);
          if (result.result === "removed" && result.namespaceDeletion === "deleted") {
            report.removed += 1;
          }
        });
      }
      log.info({ ...report, failures: report.failures.length }, "workspace convergence round done");
      deps.metrics?.reconcilerActions("tenancy-convergence", {
        "converge-workspace": report.converged,
        "remove-workspace": report.removed,
        "write-pull-secret": report.pullSecretsWritten,
        "action-error": report.failures.length,
      });
      return report;
    },
  };
}

export type TenancyConvergenceActivities = ReturnType<typeof createTenancyConvergenceActivities>;
