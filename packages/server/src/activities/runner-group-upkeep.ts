import type { Kysely } from "kysely";
import {
  planRunnerGroupSweep,
  runnerGroupName,
  runnerIdOfGroup,
  type GroupedConfiguration,
} from "../domain/runner-group.js";
import type { DeleteRunnerGroupResult, GitHubInstallation } from "../github/types.js";
import type { Logger } from "../observability/logger.js";
import type { Database } from "../storage/schema.js";
import { allowListedRepositoryIds, type RunnerGroupChoice } from "./runner-groups.js";

// Keeping a configuration's runner group in step with it between launches. The launch
// (runner-groups.ts) makes the group right for the runner it registers; the runners
// already registered, idle ones included, stay in the group and take whatever it
// admits. So a narrowed allow-list is carried to the group as soon as the pool looks at
// the changed configuration (`follow`), and the runner sweep reconciles every group
// of Hangar's as a backstop (`sweep`). A configuration whose allow-list is cleared
// serves every repository: its new runners register in the Default group, the ones in
// its group keep the narrower list until they end, and the sweep deletes the group once
// it is empty. A deleted configuration's group is deleted when its pool has drained
// (`remove`), or by the sweep when runners were still in it.

/**
 * What the pool's snapshot waits for GitHub before it goes on without the answer (the
 * follow goes on in the background). Short: the snapshot is a local activity, run
 * inside the pool's workflow task, and must stay far below the task's timeout.
 */
const FOLLOW_WAIT_MS = 2_000;

export interface RunnerGroupSweepReport {
  /** Groups that differed from their configuration's allow-list and were corrected. */
  groupsReconciled: number;
  groupsDeleted: number;
  /** Groups to delete that runners are still in; tried again at the next sweep. */
  groupsOccupied: number;
  groupErrors: number;
}

/** The part of a configuration (as activities/runner-configurations.ts reads it) used here. */
export interface FollowedConfiguration {
  id: string;
  installation_id: bigint | number | string;
  repositories: string[];
  account_login: string;
  account_type: string;
  installation_state: string;
}

export function createRunnerGroupUpkeep(deps: {
  db: Kysely<Database>;
  installation: (installationId: number) => GitHubInstallation;
  logger: Logger;
  /** The launch's choice, told when a group is deleted so it does not trust its id. */
  choice?: RunnerGroupChoice;
}) {
  const { db } = deps;
  const log = deps.logger.child({ subsystem: "runner-groups" });
  // The allow-list last carried to each configuration's group by this worker: the pool
  // looks at its configuration on every snapshot, so an unchanged list costs neither a
  // query nor a GitHub call. A failed try is not repeated for the same list, and a
  // repository the installation gains or loses under an unchanged list is the launch's
  // and the sweep's to carry (both resolve the ids afresh).
  const followed = new Map<string, string>();

  async function follow(configuration: FollowedConfiguration): Promise<void> {
    if (configuration.account_type !== "Organization") return;
    if (configuration.installation_state !== "active") return;
    if (configuration.repositories.length === 0) return;
    const installationId = Number(configuration.installation_id);
    const names = configuration.repositories.map((name) => name.toLowerCase()).sort();
    const key = `${installationId}/${names.join(",")}`;
    if (followed.get(configuration.id) === key) return;
    const repositoryIds = await allowListedRepositoryIds(db, installationId, names);
    if (repositoryIds.length === 0) return;
    followed.set(configuration.id, key);
    const org = configuration.account_login;
    const group = runnerGroupName(configuration.id);
    const result = await deps
      .installation(installationId)
      .reconcileRunnerGroup(org, { name: group, repositoryIds });
    if (result !== null && result.changes > 0) {
      log.info({ runnerId: configuration.id, org, group, repositoryIds }, "runner group followed");
    }
  }

  async function remove(runnerId: string): Promise<DeleteRunnerGroupResult | null> {
    const row = await db
      .selectFrom("runners as r")
      .innerJoin("github_installations as gi", "gi.installation_id", "r.installation_id")
      .select(["r.installation_id", "gi.account_login", "gi.account_type", "gi.state"])
      .where("r.id", "=", runnerId)
      .executeTakeFirst();
    if (row === undefined || row.account_type !== "Organization" || row.state !== "active") {
      return null;
    }
    const result = await deps
      .installation(Number(row.installation_id))
      .deleteRunnerGroup(row.account_login, runnerGroupName(runnerId));
    if (result.kind === "deleted") deps.choice?.forget(runnerId);
    followed.delete(runnerId);
    return result;
  }

  async function sweepOrg(
    installationId: number,
    org: string,
    rows: readonly { id: string; repositories: string[]; deleted: boolean }[],
    report: RunnerGroupSweepReport,
  ): Promise<void> {
    const client = deps.installation(installationId);
    const groups = (await client.listRunnerGroups(org)).filter(
      (group) => !group.isDefault && runnerIdOfGroup(group.name) !== null,
    );
    if (groups.length === 0) return;
    const withGroups = new Set(groups.map((group) => runnerIdOfGroup(group.name)));
    const configurations = new Map<string, GroupedConfiguration>();
    for (const row of rows) {
      const live = withGroups.has(row.id) && !row.deleted && row.repositories.length > 0;
      configurations.set(row.id, {
        id: row.id,
        repositoryIds: live
          ? await allowListedRepositoryIds(db, installationId, row.repositories)
          : [],
        allowListed: row.repositories.length > 0,
        deleted: row.deleted,
      });
    }
    for (const action of planRunnerGroupSweep(groups, configurations)) {
      try {
        if (action.kind === "reconcile") {
          const result = await client.reconcileRunnerGroup(org, {
            name: action.group,
            repositoryIds: action.repositoryIds,
          });
          if (result !== null && result.changes > 0) {
            report.groupsReconciled += 1;
            log.info({ org, group: action.group }, "runner group reconciled by the sweep");
          }
          continue;
        }
        const result = await client.deleteRunnerGroup(org, action.group);
        if (result.kind === "deleted") {
          report.groupsDeleted += 1;
          const runnerId = runnerIdOfGroup(action.group);
          if (runnerId !== null) deps.choice?.forget(runnerId);
          log.info({ org, group: action.group, reason: action.reason }, "runner group deleted");
        } else if (result.kind === "occupied") {
          report.groupsOccupied += 1;
        }
      } catch (error) {
        report.groupErrors += 1;
        log.warn({ org, group: action.group, err: error }, "runner group sweep action failed");
      }
    }
  }

  return {
    /**
     * Carries the configuration's allow-list to its existing group when it changed
     * since this worker last did; never throws, and waits for GitHub only so long (the
     * pool's look goes on; the reconciliation finishes meanwhile, or the sweep's does).
     */
    async followAllowList(configuration: FollowedConfiguration): Promise<void> {
      const done = follow(configuration).catch((error: unknown) => {
        log.warn(
          { runnerId: configuration.id, err: error },
          "could not carry the allow-list to the runner group; the runner sweep will",
        );
      });
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, FOLLOW_WAIT_MS);
      });
      await Promise.race([done, waited]);
      clearTimeout(timer);
    },

    /**
     * Deletes the group of a configuration whose deletion has finished: null when it has
     * none to delete (not an organisation's, installation gone), `occupied` while runners
     * are still in it.
     */
    removeGroup: remove,

    /** The sweep's round over every organisation with runner configurations. */
    async sweepGroups(): Promise<RunnerGroupSweepReport> {
      const report: RunnerGroupSweepReport = {
        groupsReconciled: 0,
        groupsDeleted: 0,
        groupsOccupied: 0,
        groupErrors: 0,
      };
      const rows = await db
        .selectFrom("runners as r")
        .innerJoin("github_installations as gi", "gi.installation_id", "r.installation_id")
        .select(["r.id", "r.repositories", "r.deleted_at", "r.installation_id", "gi.account_login"])
        .where("gi.state", "=", "active")
        .where("gi.account_type", "=", "Organization")
        .execute();
      const orgs = new Map<
        string,
        {
          installationId: number;
          org: string;
          rows: { id: string; repositories: string[]; deleted: boolean }[];
        }
      >();
      for (const row of rows) {
        const installationId = Number(row.installation_id);
        const key = `${installationId}/${row.account_login}`;
        const entry = orgs.get(key) ?? { installationId, org: row.account_login, rows: [] };
        entry.rows.push({
          id: row.id,
          repositories: row.repositories,
          deleted: row.deleted_at !== null,
        });
        orgs.set(key, entry);
      }
      for (const { installationId, org, rows: configured } of orgs.values()) {
        try {
          await sweepOrg(installationId, org, configured, report);
        } catch (error) {
          report.groupErrors += 1;
          log.warn({ installationId, org, err: error }, "could not sweep runner groups");
        }
      }
      return report;
    },
  };
}

export type RunnerGroupUpkeep = ReturnType<typeof createRunnerGroupUpkeep>;
