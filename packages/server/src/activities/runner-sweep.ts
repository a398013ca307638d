import type { V1Pod } from "@kubernetes/client-node";
import type { Client } from "@temporalio/client";
import { WorkflowNotFoundError } from "@temporalio/client";
import type { Kysely } from "kysely";
import {
  defaultSweepSettings,
  isLiveInstanceState,
  planRunnerSweep,
  type SweepAction,
  type SweepGitHubRunner,
  type SweepInstance,
  type SweepPod,
  type SweepSettings,
} from "../domain/runner-sweep.js";
import { workflowIds } from "../domain/workflow-names.js";
import type { GitHubApp, RunnerScope } from "../github/types.js";
import { jitSecretName } from "../kubernetes/builders/runner-pod.js";
import type { Cluster } from "../kubernetes/cluster.js";
import { hangarLabels, labelSelector, MANAGED_BY } from "../kubernetes/labels.js";
import type { Logger } from "../observability/logger.js";
import type { RunnerMetrics } from "../observability/metrics-runners.js";
import type { Database } from "../storage/schema.js";
import { withHeartbeats } from "./activity-context.js";
import type { RunnerGroupSweepReport, RunnerGroupUpkeep } from "./runner-group-upkeep.js";

// The runner sweep: reads what exists (runner pods in the cluster, Hangar's runners on
// GitHub, instance rows and their workflows), lets domain/runner-sweep.ts decide what
// is orphaned or stuck, and acts. One failed action never stops the others; every
// action is logged with its reason and counted in the report.

export interface RunnerSweepReport {
  podsSeen: number;
  runnersSeen: number;
  instancesSeen: number;
  /** Installations whose runners could not be listed (their pods were left alone). */
  unlistedInstallations: number[];
  podsDeleted: number;
  runnersDeleted: number;
  instancesAbandoned: number;
  instancesCancelled: number;
  skippedBusyRunners: number;
  actionErrors: number;
  /** Runner groups of Hangar's (activities/runner-group-upkeep.ts); absent without them. */
  groups?: RunnerGroupSweepReport;
}

export interface RunnerSweepOptions {
  settings?: Partial<SweepSettings>;
  /** Plan and report, change nothing. */
  dryRun?: boolean;
}

const runnerPodSelector = labelSelector({
  [hangarLabels.managedBy]: MANAGED_BY,
  [hangarLabels.component]: "runner",
});

function scopeKey(scope: RunnerScope): string {
  return "org" in scope ? `org:${scope.org}` : `repo:${scope.owner}/${scope.repo}`;
}

function toSweepPod(pod: V1Pod, installationOf: Map<string, number>): SweepPod | null {
  const name = pod.metadata?.name;
  const namespace = pod.metadata?.namespace;
  if (name === undefined || namespace === undefined) return null;
  const instanceName = pod.metadata?.labels?.[hangarLabels.instance] ?? null;
  const phase = pod.status?.phase;
  return {
    namespace,
    name,
    instanceName,
    installationId: instanceName === null ? null : (installationOf.get(instanceName) ?? null),
    createdAtMs: pod.metadata?.creationTimestamp?.getTime() ?? Date.now(),
    ended: phase === "Succeeded" || phase === "Failed" || pod.metadata?.deletionTimestamp != null,
  };
}

export function createRunnerSweepActivities(deps: {
  db: Kysely<Database>;
  github: GitHubApp | null;
  cluster: Cluster;
  temporal: Client;
  logger: Logger;
  metrics?: RunnerMetrics;
  /** Reconciles and deletes the configurations' runner groups after the runners. */
  groups?: Pick<RunnerGroupUpkeep, "sweepGroups">;
}) {
  const { db, cluster, temporal } = deps;
  const log = deps.logger.child({ subsystem: "runner-sweep" });

  /** Instance rows: every live one, plus any row named by a pod or a GitHub runner. */
  async function readInstances(names: readonly string[]) {
    let query = db
      .selectFrom("runner_instances as i")
      .innerJoin("runners as r", (join) =>
        join.onRef("r.id", "=", "i.runner_id").onRef("r.workspace_id", "=", "i.workspace_id"),
      )
      .select([
        "i.name",
        "i.state",
        "i.updated_at",
        "i.github_runner_id",
        "r.namespace",
        "r.installation_id",
      ]);
    query = query.where((eb) =>
      eb.or([
        eb("i.state", "in", ["pending", "registering", "idle", "busy", "terminating"]),
        ...(names.length > 0 ? [eb("i.name", "in", [...names])] : []),
      ]),
    );
    return query.execute();
  }

  /** Where Hangar registers runners: one scope per configuration's installation and account. */
  async function readScopes(): Promise<{ installationId: number; scope: RunnerScope }[]> {
    const rows = await db
      .selectFrom("runners as r")
      .innerJoin("github_installations as gi", "gi.installation_id", "r.installation_id")
      .select(["r.installation_id", "r.repositories", "gi.account_login", "gi.account_type"])
      .where("gi.state", "=", "active")
      .execute();
    const scopes = new Map<string, { installationId: number; scope: RunnerScope }>();
    for (const row of rows) {
      const installationId = Number(row.installation_id);
      const candidates: RunnerScope[] =
        row.account_type === "Organization"
          ? [{ org: row.account_login }]
          : row.repositories.flatMap((full) => {
              const [owner, repo] = full.split("/");
              return owner && repo ? [{ owner, repo }] : [];
            });
      for (const scope of candidates) {
        scopes.set(`${installationId}/${scopeKey(scope)}`, { installationId, scope });
      }
    }
    return [...scopes.values()];
  }

  async function workflowRunning(instanceName: string): Promise<boolean> {
    try {
      const description = await temporal.workflow
        .getHandle(workflowIds.runnerInstance(instanceName))
        .describe();
      return description.status.name === "RUNNING";
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  async function deleteGitHubRunner(
    installationId: number,
    scope: RunnerScope,
    id: number,
  ): Promise<"deleted" | "not-found" | "busy"> {
    if (deps.github === null) throw new Error("no GitHub client configured for this worker");
    const result = await deps.github.installation(installationId).deleteRunner(scope, id);
    return result.kind;
  }

  async function act(action: SweepAction, report: RunnerSweepReport): Promise<void> {
    switch (action.kind) {
      case "delete-pod": {
        const result = await cluster.delete({
          apiVersion: "v1",
          kind: "Pod",
          namespace: action.namespace,
          name: action.name,
        });
        await cluster.delete({
          apiVersion: "v1",
          kind: "Secret",
          namespace: action.namespace,
          name: jitSecretName(action.name),
        });
        if (result === "deleted") report.podsDeleted += 1;
        return;
      }
      case "delete-github-runner": {
        const result = await deleteGitHubRunner(
          action.installationId,
          action.scope,
          action.runnerId,
        );
        if (result === "deleted") report.runnersDeleted += 1;
        if (result === "busy") report.skippedBusyRunners += 1;
        return;
      }
      case "cancel-instance":
        // Cancelling (not terminating) lets the instance's own teardown run.
        await temporal.workflow.getHandle(workflowIds.runnerInstance(action.instanceName)).cancel();
        report.instancesCancelled += 1;
        return;
      case "abandon-instance": {
        const { instance } = action;
        await cluster.delete({
          apiVersion: "v1",
          kind: "Pod",
          namespace: instance.namespace,
          name: instance.name,
        });
        await cluster.delete({
          apiVersion: "v1",
          kind: "Secret",
          namespace: instance.namespace,
          name: jitSecretName(instance.name),
        });
        // Its GitHub runner (if any) is deleted by the runner rule once the row is closed;
        // doing it here too would race GitHub's own removal of an ephemeral runner.
        await db
          .updateTable("runner_instances")
          .set({
            state: "failed",
            failure_reason: `abandoned: ${action.reason}`,
            terminated_at: new Date(),
          })
          .where("name", "=", instance.name)
          .where("state", "in", ["pending", "registering", "idle", "busy", "terminating"])
          .execute();
        report.instancesAbandoned += 1;
        return;
      }
      default: {
        const unknown: never = action;
        throw new Error(`unknown sweep action ${JSON.stringify(unknown)}`);
      }
    }
  }

  return {
    async sweepRunners(options: RunnerSweepOptions = {}): Promise<RunnerSweepReport> {
      const settings = { ...defaultSweepSettings, ...options.settings };
      // Only the namespaces of this database's runner configurations: another Hangar
      // sharing the cluster (or a test beside this one) owns the rest.
      const namespaces = await db.selectFrom("runners").select("namespace").distinct().execute();
      const pods = (
        await Promise.all(
          namespaces.map(({ namespace }) =>
            cluster.listPods({ namespace, labelSelector: runnerPodSelector }),
          ),
        )
      ).flat();

      const runners: SweepGitHubRunner[] = [];
      const listed = new Set<number>();
      const unlisted = new Set<number>();
      const github = deps.github;
      for (const { installationId, scope } of await readScopes()) {
        if (github === null) {
          unlisted.add(installationId);
          continue;
        }
        try {
          const found = await withHeartbeats(() =>
            github.installation(installationId).listRunners(scope),
          );
          for (const runner of found) runners.push({ installationId, scope, ...runner });
          listed.add(installationId);
        } catch (error) {
          unlisted.add(installationId);
          log.warn({ installationId, err: error }, "could not list GitHub runners; skipped");
        }
      }
      // One failed scope of an installation makes the whole installation unlisted.
      for (const id of unlisted) listed.delete(id);

      const named = [
        ...pods.flatMap((pod) => pod.metadata?.labels?.[hangarLabels.instance] ?? []),
        ...runners.map((runner) => runner.name),
      ];
      const rows = await readInstances([...new Set(named)]);
      const instances: SweepInstance[] = [];
      for (const row of rows) {
        const live = isLiveInstanceState(row.state);
        instances.push({
          name: row.name,
          state: row.state,
          namespace: row.namespace,
          installationId: Number(row.installation_id),
          updatedAtMs: row.updated_at.getTime(),
          workflowRunning: live ? await workflowRunning(row.name) : null,
        });
      }
      const installationOf = new Map(instances.map((i) => [i.name, i.installationId]));
      const sweepPods = pods.flatMap((pod) => toSweepPod(pod, installationOf) ?? []);

      const plan = planRunnerSweep({
        nowMs: Date.now(),
        pods: sweepPods,
        runners,
        listedInstallations: listed,
        instances,
        settings,
      });
      const report: RunnerSweepReport = {
        podsSeen: sweepPods.length,
        runnersSeen: runners.length,
        instancesSeen: instances.length,
        unlistedInstallations: [...unlisted],
        podsDeleted: 0,
        runnersDeleted: 0,
        instancesAbandoned: 0,
        instancesCancelled: 0,
        skippedBusyRunners: plan.skippedBusyRunners,
        actionErrors: 0,
      };
      for (const action of plan.actions) {
        log.info(
          { action: action.kind, reason: action.reason, dryRun: options.dryRun === true },
          describe(action),
        );
        if (options.dryRun === true) continue;
        try {
          await act(action, report);
        } catch (error) {
          report.actionErrors += 1;
          log.warn({ action: action.kind, err: error }, `sweep action failed: ${describe(action)}`);
        }
      }
      // After the runners: a group is deleted only once no runner is left in it.
      if (deps.groups !== undefined && options.dryRun !== true) {
        report.groups = await deps.groups.sweepGroups();
      }
      log.info({ ...report }, "runner sweep done");
      deps.metrics?.reconcilerActions("runner-sweep", sweepActionCounts(report));
      return report;
    },
  };
}

/** What the sweep changed, as hangar_reconciler_actions_total counts them. */
export function sweepActionCounts(report: RunnerSweepReport): Record<string, number> {
  return {
    "delete-pod": report.podsDeleted,
    "delete-github-runner": report.runnersDeleted,
    "skip-busy-runner": report.skippedBusyRunners,
    "cancel-instance": report.instancesCancelled,
    "abandon-instance": report.instancesAbandoned,
    "action-error": report.actionErrors,
    ...(report.groups === undefined
      ? {}
      : {
          "reconcile-runner-group": report.groups.groupsReconciled,
          "delete-runner-group": report.groups.groupsDeleted,
          "skip-occupied-runner-group": report.groups.groupsOccupied,
          "runner-group-error": report.groups.groupErrors,
        }),
  };
}

function describe(action: SweepAction): string {
  switch (action.kind) {
    case "delete-pod":
      return `delete pod ${action.namespace}/${action.name}`;
    case "delete-github-runner":
      return `delete GitHub runner ${action.name} (${action.runnerId})`;
    case "abandon-instance":
      return `abandon instance ${action.instance.name}`;
    case "cancel-instance":
      return `cancel instance ${action.instanceName}`;
    default: {
      const unknown: never = action;
      return JSON.stringify(unknown);
    }
  }
}

export type RunnerSweepActivities = ReturnType<typeof createRunnerSweepActivities>;
