// A runner configuration restricted to some repositories registers its runners in a
// runner group of its own that admits exactly those repositories: GitHub offers a job
// to any idle runner with the job's labels whose group admits the job's repository, so
// the Default group (every repository of the organisation) would let a runner meant
// for one tenant's repository take another's job. What must change on GitHub to make
// the group so is decided here, from what GitHub has; the calls are made elsewhere.

export interface ExistingRunnerGroup {
  readonly id: number;
  readonly name: string;
  readonly visibility: string;
  readonly allowsPublicRepositories: boolean;
}

export interface WantedRunnerGroup {
  readonly name: string;
  readonly repositoryIds: readonly number[];
}

export type RunnerGroupStep =
  | { readonly kind: "create"; readonly name: string; readonly repositoryIds: number[] }
  /** Back to `selected` (someone widened it by hand), public repositories allowed. */
  | { readonly kind: "restrict"; readonly id: number; readonly name: string }
  | { readonly kind: "set-repositories"; readonly id: number; readonly repositoryIds: number[] };

/** The group Hangar keeps for a runner configuration; stable across renames. */
export function runnerGroupName(runnerId: string): string {
  return `hangar-${runnerId}`;
}

/**
 * The group of `wanted.name` among `groups`, compared as GitHub compares group names
 * (case-insensitively).
 */
export function findRunnerGroup<G extends ExistingRunnerGroup>(
  groups: readonly G[],
  name: string,
): G | undefined {
  const wanted = name.toLowerCase();
  return groups.find((group) => group.name.toLowerCase() === wanted);
}

/**
 * The steps that make GitHub's group what the configuration wants: create it when it is
 * missing, restrict it when its visibility was changed, and set its repositories when
 * they differ (`currentRepositoryIds` null: not known, as for a group just created).
 * Public repositories are allowed because the allow-list itself names the repositories
 * served; a public one on the list is served as it was from the Default group.
 */
export function planRunnerGroup(
  existing: ExistingRunnerGroup | undefined,
  currentRepositoryIds: readonly number[] | null,
  wanted: WantedRunnerGroup,
): RunnerGroupStep[] {
  const repositoryIds = [...new Set(wanted.repositoryIds)].sort((a, b) => a - b);
  if (existing === undefined) return [{ kind: "create", name: wanted.name, repositoryIds }];
  const steps: RunnerGroupStep[] = [];
  if (existing.visibility !== "selected" || !existing.allowsPublicRepositories) {
    steps.push({ kind: "restrict", id: existing.id, name: existing.name });
  }
  const current = [...new Set(currentRepositoryIds ?? [])].sort((a, b) => a - b);
  const same =
    currentRepositoryIds !== null &&
    current.length === repositoryIds.length &&
    current.every((id, i) => id === repositoryIds[i]);
  if (!same) steps.push({ kind: "set-repositories", id: existing.id, repositoryIds });
  return steps;
}

const GROUP_PREFIX = "hangar-";

/** The configuration a group of Hangar's belongs to, from its name; null for any other group. */
export function runnerIdOfGroup(name: string): string | null {
  const lower = name.toLowerCase();
  if (!lower.startsWith(GROUP_PREFIX)) return null;
  const id = lower.slice(GROUP_PREFIX.length);
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id) ? id : null;
}

/** A runner configuration as the group sweep sees it. */
export interface GroupedConfiguration {
  readonly id: string;
  /** The allow-list's repositories, as ids GitHub knows; empty without an allow-list. */
  readonly repositoryIds: readonly number[];
  /** Whether the configuration names an allow-list at all. */
  readonly allowListed: boolean;
  /** Deleted, its pool drained: nothing of it runs any more. */
  readonly deleted: boolean;
}

export type RunnerGroupSweepAction =
  | { readonly kind: "reconcile"; readonly group: string; readonly repositoryIds: number[] }
  | { readonly kind: "delete"; readonly group: string; readonly reason: string };

/**
 * What the sweep does with the `hangar-*` groups of one organisation: a group whose
 * configuration still has an allow-list is made to admit exactly it (a backstop for
 * the pool's prompt reconciliation, and against changes made by hand); a group whose
 * configuration is deleted, unknown, or serves every repository now is deleted (only
 * once empty, which the caller checks). A configuration still draining keeps its group,
 * and an allow-list none of whose repositories GitHub knows is left to the launch,
 * which refuses it.
 */
export function planRunnerGroupSweep(
  groups: readonly { readonly name: string }[],
  configurations: ReadonlyMap<string, GroupedConfiguration>,
): RunnerGroupSweepAction[] {
  const actions: RunnerGroupSweepAction[] = [];
  for (const group of groups) {
    const runnerId = runnerIdOfGroup(group.name);
    if (runnerId === null) continue;
    const configuration = configurations.get(runnerId);
    if (configuration === undefined) {
      actions.push({ kind: "delete", group: group.name, reason: "its configuration is gone" });
    } else if (configuration.deleted) {
      actions.push({ kind: "delete", group: group.name, reason: "its configuration is deleted" });
    } else if (!configuration.allowListed) {
      actions.push({
        kind: "delete",
        group: group.name,
        reason: "its configuration serves every repository now",
      });
    } else if (configuration.repositoryIds.length > 0) {
      actions.push({
        kind: "reconcile",
        group: group.name,
        repositoryIds: [...new Set(configuration.repositoryIds)].sort((a, b) => a - b),
      });
    }
  }
  return actions;
}
