import { SimInputError, type SimContext } from "./context.js";
import type {
  RepositoryRecord,
  RunnerGroupRecord,
  RunnerGroupVisibility,
  RunnerRecord,
} from "./records.js";

// An organisation's self-hosted runner groups: which repositories may use the runners
// in each. GitHub offers a job only to runners whose group the job's repository may
// use; the Default group (id 1) is synthesised per org in SimState.groupsOf.

const VISIBILITIES: readonly RunnerGroupVisibility[] = ["all", "selected", "private"];

export interface RunnerGroupInput {
  name: string;
  visibility?: RunnerGroupVisibility;
  selectedRepositoryIds?: number[];
  allowsPublicRepositories?: boolean;
  /** Org runners moved into the new group. */
  runnerIds?: number[];
}

export interface RunnerGroupUpdate {
  name: string;
  visibility?: RunnerGroupVisibility;
  allowsPublicRepositories?: boolean;
}

function org(ctx: SimContext, login: string): string {
  const account = ctx.state.findAccount(login);
  if (account?.type !== "Organization") throw new SimInputError(404, `no organization ${login}`);
  return account.login;
}

export function isVisibility(value: unknown): value is RunnerGroupVisibility {
  return typeof value === "string" && (VISIBILITIES as readonly string[]).includes(value);
}

function nameTaken(ctx: SimContext, orgLogin: string, name: string, except?: number): boolean {
  return ctx.state
    .groupsOf(orgLogin)
    .some((g) => g.id !== except && g.name.toLowerCase() === name.toLowerCase());
}

/** Repository ids must name repositories of the org, as GitHub's access lists do. */
function orgRepositoryIds(ctx: SimContext, orgLogin: string, ids: readonly number[]): number[] {
  for (const id of ids) {
    const repo = ctx.state.repositories.get(id);
    if (repo?.owner.login.toLowerCase() !== orgLogin.toLowerCase()) {
      throw new SimInputError(422, `Repository ${id} is not a repository of ${orgLogin}`);
    }
  }
  return [...new Set(ids)];
}

/** A runner group of the org, the Default group too; 404 for an id it does not have. */
export function orgGroup(ctx: SimContext, login: string, id: number): RunnerGroupRecord {
  const group = ctx.state.findGroup(org(ctx, login), id);
  if (!group) throw new SimInputError(404, "Not Found");
  return group;
}

export function createGroup(
  ctx: SimContext,
  login: string,
  input: RunnerGroupInput,
): RunnerGroupRecord {
  const orgLogin = org(ctx, login);
  if (ctx.customRunnerGroups === false) {
    throw new SimInputError(403, "Runner groups are not available on this organization's plan");
  }
  if (input.name.trim() === "") throw new SimInputError(422, "Name can't be blank");
  if (nameTaken(ctx, orgLogin, input.name)) {
    throw new SimInputError(409, `runner group ${input.name} already exists in ${orgLogin}`);
  }
  const group: RunnerGroupRecord = {
    id: ctx.state.nextId("runnerGroup"),
    name: input.name,
    orgLogin,
    isDefault: false,
    visibility: input.visibility ?? "all",
    selectedRepositoryIds: orgRepositoryIds(ctx, orgLogin, input.selectedRepositoryIds ?? []),
    allowsPublicRepositories: input.allowsPublicRepositories ?? false,
  };
  ctx.state.runnerGroups.set(group.id, group);
  for (const runnerId of input.runnerIds ?? []) {
    const runner = ctx.state.runners.get(runnerId);
    if (
      runner?.scope.kind === "org" &&
      runner.ownerLogin.toLowerCase() === orgLogin.toLowerCase()
    ) {
      runner.runnerGroupId = group.id;
    }
  }
  return group;
}

function changeable(ctx: SimContext, login: string, id: number): RunnerGroupRecord {
  const group = orgGroup(ctx, login, id);
  if (group.isDefault) {
    throw new SimInputError(422, "The default runner group cannot be changed here");
  }
  return group;
}

export function updateGroup(
  ctx: SimContext,
  login: string,
  id: number,
  update: RunnerGroupUpdate,
): RunnerGroupRecord {
  const group = changeable(ctx, login, id);
  if (update.name.trim() === "") throw new SimInputError(422, "Name can't be blank");
  if (nameTaken(ctx, group.orgLogin, update.name, group.id)) {
    throw new SimInputError(409, `runner group ${update.name} already exists in ${group.orgLogin}`);
  }
  group.name = update.name;
  if (update.visibility !== undefined) group.visibility = update.visibility;
  if (update.allowsPublicRepositories !== undefined) {
    group.allowsPublicRepositories = update.allowsPublicRepositories;
  }
  return group;
}

/** Runners left in a deleted group go back to the Default group, as on GitHub. */
export function deleteGroup(ctx: SimContext, login: string, id: number): void {
  const group = changeable(ctx, login, id);
  ctx.state.runnerGroups.delete(group.id);
  for (const runner of ctx.state.runners.values()) {
    if (runner.scope.kind === "org" && runner.runnerGroupId === group.id) runner.runnerGroupId = 1;
  }
}

export function setGroupRepositories(
  ctx: SimContext,
  login: string,
  id: number,
  repositoryIds: readonly number[],
): void {
  const group = changeable(ctx, login, id);
  group.selectedRepositoryIds = orgRepositoryIds(ctx, group.orgLogin, repositoryIds);
}

/** Adding or removing one repository needs `selected` visibility, as GitHub says. */
export function changeGroupRepository(
  ctx: SimContext,
  login: string,
  id: number,
  repositoryId: number,
  change: "add" | "remove",
): void {
  const group = changeable(ctx, login, id);
  if (group.visibility !== "selected") {
    throw new SimInputError(422, "The runner group's visibility must be 'selected'");
  }
  const [checked] = orgRepositoryIds(ctx, group.orgLogin, [repositoryId]);
  const others = group.selectedRepositoryIds.filter((r) => r !== checked);
  group.selectedRepositoryIds = change === "add" ? [...others, repositoryId] : others;
}

export function groupRepositories(group: RunnerGroupRecord, ctx: SimContext): RepositoryRecord[] {
  if (group.visibility !== "selected") return [];
  return group.selectedRepositoryIds
    .map((id) => ctx.state.repositories.get(id))
    .filter((r): r is RepositoryRecord => r !== undefined)
    .sort((a, b) => a.id - b.id);
}

/** Whether a repository may use the runners of the group. */
export function groupAdmits(group: RunnerGroupRecord, repo: RepositoryRecord): boolean {
  if (!repo.private && !group.allowsPublicRepositories) return false;
  switch (group.visibility) {
    case "all":
      return true;
    case "private":
      return repo.private;
    case "selected":
      return group.selectedRepositoryIds.includes(repo.id);
    default: {
      const never: never = group.visibility;
      return never;
    }
  }
}

/** The group an org runner is in; a group deleted under it leaves it in the Default group. */
export function groupOfRunner(ctx: SimContext, runner: RunnerRecord): RunnerGroupRecord {
  const group = ctx.state.findGroup(runner.ownerLogin, runner.runnerGroupId);
  if (group) return group;
  const [defaultGroup] = ctx.state.groupsOf(runner.ownerLogin);
  if (!defaultGroup) throw new Error("every org has a Default runner group");
  return defaultGroup;
}
