import { isoAt } from "../clock.js";
import type { SimAccount } from "../webhooks/model.js";
import { SimInputError, type SimContext } from "./context.js";
import type { InstallationRecord, RepositoryRecord } from "./records.js";
import { initialCommit } from "./repositories.js";

export interface CreateInstallationInput {
  account: { login: string; type: "Organization" | "User" };
  repositories: string[];
  repositorySelection?: "all" | "selected";
}

export interface CreatedInstallation {
  installationId: number;
  accountId: number;
  repositories: { id: number; fullName: string }[];
}

function ensureRepository(ctx: SimContext, owner: SimAccount, name: string): RepositoryRecord {
  const fullName = `${owner.login}/${name}`;
  const existing = ctx.state.findRepository(fullName);
  if (existing) return existing;
  const now = ctx.clock.now();
  const first = initialCommit(now);
  const repo: RepositoryRecord = {
    id: ctx.state.nextId("repository"),
    name,
    fullName,
    owner,
    private: true,
    defaultBranch: "main",
    createdAt: isoAt(now),
    updatedAt: isoAt(now),
    pushedAt: isoAt(now),
    installationId: null,
    branches: new Map([["main", first.sha]]),
    commits: new Map([[first.sha, first]]),
  };
  ctx.state.repositories.set(repo.id, repo);
  return repo;
}

export function getInstallation(ctx: SimContext, id: number): InstallationRecord {
  const installation = ctx.state.installations.get(id);
  if (!installation) throw new SimInputError(404, `installation ${id} does not exist`);
  return installation;
}

export function createInstallation(
  ctx: SimContext,
  input: CreateInstallationInput,
): CreatedInstallation {
  const account = ctx.state.account(input.account.login, input.account.type);
  for (const existing of ctx.state.installations.values()) {
    if (existing.account.id === account.id) {
      // An App is installed at most once per account on GitHub.
      throw new SimInputError(409, `the App is already installed on ${account.login}`);
    }
  }
  const now = isoAt(ctx.clock.now());
  const repos = input.repositories.map((name) => ensureRepository(ctx, account, name));
  const installation: InstallationRecord = {
    id: ctx.state.nextId("installation"),
    account,
    appId: ctx.app.id,
    appSlug: ctx.app.slug,
    repositorySelection: input.repositorySelection ?? "selected",
    suspendedAt: null,
    createdAt: now,
    updatedAt: now,
    repositoryIds: repos.map((r) => r.id),
  };
  for (const repo of repos) repo.installationId = installation.id;
  ctx.state.installations.set(installation.id, installation);
  ctx.emit({ event: "installation", action: "created", installation, repositories: repos });
  return {
    installationId: installation.id,
    accountId: account.id,
    repositories: repos.map((r) => ({ id: r.id, fullName: r.fullName })),
  };
}

export function suspendInstallation(ctx: SimContext, id: number, suspended: boolean): void {
  const installation = getInstallation(ctx, id);
  const now = isoAt(ctx.clock.now());
  installation.suspendedAt = suspended ? now : null;
  installation.suspendedBy = suspended ? ctx.state.sender : null;
  installation.updatedAt = now;
  ctx.emit({
    event: "installation",
    action: suspended ? "suspend" : "unsuspend",
    installation,
    repositories: ctx.state.installationRepositories(installation),
  });
}

export function deleteInstallation(ctx: SimContext, id: number): void {
  const installation = getInstallation(ctx, id);
  const repositories = ctx.state.installationRepositories(installation);
  for (const repo of repositories) repo.installationId = null;
  ctx.state.installations.delete(id);
  ctx.emit({ event: "installation", action: "deleted", installation, repositories });
}

export function addRepositories(ctx: SimContext, id: number, names: string[]): void {
  const installation = getInstallation(ctx, id);
  const added: RepositoryRecord[] = [];
  for (const name of names) {
    const repo = ensureRepository(ctx, installation.account, name);
    if (installation.repositoryIds.includes(repo.id)) continue;
    installation.repositoryIds.push(repo.id);
    repo.installationId = installation.id;
    added.push(repo);
  }
  ctx.emit({
    event: "installation_repositories",
    action: "added",
    installation,
    added,
    removed: [],
  });
}

export function removeRepositories(ctx: SimContext, id: number, names: string[]): void {
  const installation = getInstallation(ctx, id);
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const removed = ctx.state
    .installationRepositories(installation)
    .filter((r) => wanted.has(r.name.toLowerCase()));
  const removedIds = new Set(removed.map((r) => r.id));
  installation.repositoryIds = installation.repositoryIds.filter((rid) => !removedIds.has(rid));
  for (const repo of removed) repo.installationId = null;
  // Removing repositories narrows the installation to a selection, as GitHub does.
  installation.repositorySelection = "selected";
  ctx.emit({
    event: "installation_repositories",
    action: "removed",
    installation,
    added: [],
    removed,
  });
}
