import { ApplicationFailure } from "@temporalio/activity";
import { sql, type Kysely } from "kysely";
import { runnerGroupName } from "../domain/runner-group.js";
import { GitHubAuthError, GitHubNotFoundError, GitHubValidationError } from "../github/errors.js";
import type { GitHubInstallation } from "../github/types.js";
import type { Database } from "../storage/schema.js";
import type { RunnerInstanceSpec } from "./runner-instances.js";

// Which runner group a new runner registers in. Organisation runners of a configuration
// with a repository allow-list go into the configuration's own group, which admits
// exactly those repositories; every other runner goes into the Default group. When
// GitHub will not keep such a group (a plan without custom groups, a missing
// permission) the launch fails closed: a runner in the Default group could take a job
// of any repository of the organisation.

/** GitHub's default runner group, which every organisation has, is always id 1. */
export const DEFAULT_RUNNER_GROUP = { id: 1 } as const;

/** A group reconciled this recently for the same repositories is trusted as it is. */
const RECONCILED_FOR_MS = 10 * 60_000;

/** The GitHub ids of the allow-listed repositories the installation has, ascending. */
export async function allowListedRepositoryIds(
  db: Kysely<Database>,
  installationId: number,
  names: readonly string[],
): Promise<number[]> {
  if (names.length === 0) return [];
  const rows = await db
    .selectFrom("repositories")
    .select("github_repository_id")
    .where("installation_id", "=", BigInt(installationId))
    .where("removed_at", "is", null)
    .where(
      sql<string>`lower(full_name)`,
      "in",
      names.map((name) => name.toLowerCase()),
    )
    .execute();
  return rows.map((row) => Number(row.github_repository_id)).sort((a, b) => a - b);
}

export function createRunnerGroupChoice(deps: {
  db: Kysely<Database>;
  installation: (installationId: number) => GitHubInstallation;
  now?: () => number;
}) {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  // Keyed by the configuration and the repository ids it admits, so a changed
  // allow-list (or a repository that appeared since) reconciles the group at the next
  // launch. Concurrent launches of one configuration share one reconciliation.
  const reconciled = new Map<string, { at: number; id: Promise<number> }>();

  function refused(spec: RunnerInstanceSpec, error: Error): ApplicationFailure {
    return ApplicationFailure.nonRetryable(
      `GitHub refused the runner group that limits this configuration's runners to its ` +
        `repository allow-list (${error.message}); no runner is registered in the Default ` +
        `group instead, where it could take any repository's job. Custom runner groups need ` +
        `a GitHub plan that has them and the App's organisation permission ` +
        `"Self-hosted runners" at write.`,
      "RunnerGroupRefusedError",
      { runnerId: spec.runnerId },
    );
  }

  return {
    /** Forgets what was reconciled for the configuration: its group was deleted. */
    forget(runnerId: string): void {
      for (const key of reconciled.keys()) {
        if (key.split("/")[1] === runnerId) reconciled.delete(key);
      }
    },

    async runnerGroupFor(spec: RunnerInstanceSpec): Promise<{ id: number }> {
      // Repository runners serve their repository only, whatever their group.
      if (spec.scope === null || !("org" in spec.scope)) return DEFAULT_RUNNER_GROUP;
      const org = spec.scope.org;
      const configuration = await db
        .selectFrom("runners")
        .select("repositories")
        .where("id", "=", spec.runnerId)
        .executeTakeFirst();
      const names = configuration?.repositories ?? [];
      if (names.length === 0) return DEFAULT_RUNNER_GROUP;
      const repositoryIds = await allowListedRepositoryIds(db, spec.installationId, names);
      if (repositoryIds.length === 0) {
        throw ApplicationFailure.nonRetryable(
          `none of the configuration's allow-listed repositories (${names.join(", ")}) is a ` +
            `repository of the GitHub installation; no runner is started for them`,
          "RunnerGroupRefusedError",
        );
      }
      const key = `${spec.installationId}/${spec.runnerId}/${repositoryIds.join(",")}`;
      const cached = reconciled.get(key);
      if (cached !== undefined && now() - cached.at < RECONCILED_FOR_MS) {
        return { id: await cached.id };
      }
      const id = deps
        .installation(spec.installationId)
        .ensureRunnerGroup(org, { name: runnerGroupName(spec.runnerId), repositoryIds });
      const entry = { at: now(), id };
      reconciled.set(key, entry);
      try {
        return { id: await id };
      } catch (error) {
        // A failure is not kept: the next launch asks GitHub again.
        if (reconciled.get(key) === entry) reconciled.delete(key);
        if (
          error instanceof GitHubAuthError ||
          error instanceof GitHubNotFoundError ||
          error instanceof GitHubValidationError
        ) {
          throw refused(spec, error);
        }
        throw error;
      }
    },
  };
}

export type RunnerGroupChoice = ReturnType<typeof createRunnerGroupChoice>;
