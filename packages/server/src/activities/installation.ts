import { sql, type Kysely } from "kysely";
import type { InstallArgs, RepositoryArgs } from "../domain/signal-args.js";
import { GitHubNotFoundError } from "../github/errors.js";
import type { GitHubApp } from "../github/types.js";
import type { Database } from "../storage/schema.js";

// The installation workflow's side effects: the github_installations row and the
// repositories it can see. The workspace link is never written here (the API links
// installations), and "deleted" is final: GitHub never revives an installation id.

export interface InstallationSettings {
  /** How often repositories are re-read from GitHub without being asked. */
  syncIntervalMs: number;
  /** Signals handled before the workflow continues as new, bounding its history. */
  maxSignalsPerRun: number;
  /** After uninstall, late duplicates are absorbed this long before the workflow ends. */
  deletedGraceMs: number;
}

export const defaultInstallationSettings: InstallationSettings = {
  syncIntervalMs: 6 * 60 * 60_000,
  maxSignalsPerRun: 500,
  deletedGraceMs: 5 * 60_000,
};

export type InstallationRowState = "active" | "suspended" | "deleted";

/** GitHub's current word on an installation; `gone` once GitHub no longer knows it. */
export type InstallationSuspension =
  { state: "active" } | { state: "suspended"; suspendedAt: string } | { state: "gone" };

const accountTypes = ["User", "Organization", "Enterprise"] as const;
type AccountType = (typeof accountTypes)[number];

function accountType(value: string): AccountType {
  return accountTypes.find((t) => t === value) ?? "Organization";
}

function selection(value: string | null): "all" | "selected" {
  return value === "all" ? "all" : "selected";
}

export function createInstallationActivities(deps: {
  db: Kysely<Database>;
  /** Null where no GitHub client is configured: calls that need it fail. */
  github: GitHubApp | null;
  settings?: Partial<InstallationSettings>;
}) {
  const { db } = deps;
  const settings: InstallationSettings = { ...defaultInstallationSettings, ...deps.settings };
  const github = (): GitHubApp => {
    if (deps.github === null) throw new Error("no GitHub client configured for this worker");
    return deps.github;
  };

  /** Creates the row from GitHub's view when an event arrived before `install`. */
  async function ensureRow(installationId: number): Promise<void> {
    const exists = await db
      .selectFrom("github_installations")
      .select("installation_id")
      .where("installation_id", "=", BigInt(installationId))
      .executeTakeFirst();
    if (exists !== undefined) return;
    // GitHub no longer knows an installation that was deleted: there is nothing to
    // record, and retrying the lookup would only hold up the workflow's later signals.
    const found = await github()
      .getInstallation(installationId)
      .catch((error: unknown) => {
        if (error instanceof GitHubNotFoundError) return null;
        throw error;
      });
    if (found === null) return;
    if (found.account === null) throw new Error(`installation ${installationId} has no account`);
    await db
      .insertInto("github_installations")
      .values({
        installation_id: installationId,
        account_login: found.account.login,
        account_id: found.account.id,
        account_type: accountType(found.account.type),
        repository_selection: found.repositorySelection,
        state: found.suspendedAt === null ? "active" : "suspended",
        suspended_at: found.suspendedAt,
      })
      .onConflict((oc) => oc.column("installation_id").doNothing())
      .execute();
  }

  async function upsertRepositories(
    installationId: number,
    repositories: readonly (RepositoryArgs & { archived?: boolean; defaultBranch?: string })[],
  ): Promise<void> {
    for (const r of repositories) {
      await db
        .insertInto("repositories")
        .values({
          github_repository_id: r.id,
          installation_id: installationId,
          full_name: r.fullName,
          private: r.private,
          archived: r.archived ?? false,
          default_branch: r.defaultBranch ?? null,
        })
        .onConflict((oc) =>
          oc.column("github_repository_id").doUpdateSet({
            installation_id: installationId,
            full_name: r.fullName,
            private: r.private,
            archived: r.archived ?? false,
            default_branch: sql`coalesce(excluded.default_branch, repositories.default_branch)`,
            removed_at: null,
          }),
        )
        .execute();
    }
  }

  return {
    getInstallationSettings(): Promise<InstallationSettings> {
      return Promise.resolve(settings);
    },

    /** The `created` event: account details and its repositories. State is left alone. */
    async upsertInstallation(args: InstallArgs): Promise<void> {
      await db
        .insertInto("github_installations")
        .values({
          installation_id: args.installationId,
          account_login: args.account.login,
          account_id: args.account.id,
          account_type: accountType(args.account.type),
          repository_selection: selection(args.repositorySelection),
        })
        .onConflict((oc) =>
          oc.column("installation_id").doUpdateSet({
            account_login: args.account.login,
            account_id: args.account.id,
            account_type: accountType(args.account.type),
            repository_selection: selection(args.repositorySelection),
          }),
        )
        .execute();
      await upsertRepositories(args.installationId, args.repositories);
    },

    /**
     * Whether GitHub has the installation suspended right now. Suspend and unsuspend
     * events arrive in any order, so the workflow records this rather than the event.
     */
    async readInstallationSuspension(installationId: number): Promise<InstallationSuspension> {
      const found = await github()
        .getInstallation(installationId)
        .catch((error: unknown) => {
          if (error instanceof GitHubNotFoundError) return null;
          throw error;
        });
      if (found === null) return { state: "gone" };
      return found.suspendedAt === null
        ? { state: "active" }
        : { state: "suspended", suspendedAt: found.suspendedAt };
    },

    /**
     * Suspend, unsuspend or delete; the timestamps follow the table's checks. A
     * suspension records GitHub's suspended_at when the caller has it.
     */
    async setInstallationState(
      installationId: number,
      state: InstallationRowState,
      suspendedAt?: string,
    ): Promise<void> {
      await ensureRow(installationId);
      await db
        .updateTable("github_installations")
        .set({
          state,
          suspended_at:
            state === "suspended"
              ? sql`coalesce(${suspendedAt ?? null}::timestamptz, suspended_at, now())`
              : null,
          deleted_at: state === "deleted" ? sql`coalesce(deleted_at, now())` : null,
        })
        .where("installation_id", "=", BigInt(installationId))
        .where("state", "<>", "deleted")
        .execute();
    },

    /** installation_repositories events, applied from the payload without an API call. */
    async applyRepositoryChanges(input: {
      installationId: number;
      added: RepositoryArgs[];
      removed: RepositoryArgs[];
    }): Promise<void> {
      await ensureRow(input.installationId);
      await upsertRepositories(input.installationId, input.added);
      if (input.removed.length === 0) return;
      await db
        .updateTable("repositories")
        .set({ removed_at: sql`coalesce(removed_at, now())` })
        .where("installation_id", "=", BigInt(input.installationId))
        .where(
          "github_repository_id",
          "in",
          input.removed.map((r) => BigInt(r.id)),
        )
        .execute();
    },

    /** GitHub's list is the truth: upsert what it has, mark the rest removed. */
    async syncRepositories(installationId: number): Promise<{ seen: number; removed: number }> {
      await ensureRow(installationId);
      const repositories = await github().installation(installationId).listRepositories();
      await upsertRepositories(installationId, repositories);
      let query = db
        .updateTable("repositories")
        .set({ removed_at: sql`now()` })
        .where("installation_id", "=", BigInt(installationId))
        .where("removed_at", "is", null);
      if (repositories.length > 0) {
        query = query.where(
          "github_repository_id",
          "not in",
          repositories.map((r) => BigInt(r.id)),
        );
      }
      const result = await query.executeTakeFirst();
      return { seen: repositories.length, removed: Number(result.numUpdatedRows) };
    },
  };
}

export type InstallationActivities = ReturnType<typeof createInstallationActivities>;
