// The building blocks every payload shares: users, organizations, repositories
// and installations in the shapes webhooks carry them.
import type {
  Installation,
  InstallationLite,
  Organization,
  Repository,
  RepositoryLite,
  User,
} from "@octokit/webhooks-types";
import type { SimAccount, SimInstallation, SimPermissions, SimRepository } from "../model.js";
import { legacyNodeId, SIM_EPOCH, type GitHubUrls } from "../urls.js";

/** Input that contradicts what GitHub could send (a caller bug, not a normal outcome). */
export class PayloadInputError extends Error {
  override name = "PayloadInputError";
}

/**
 * What Hangar's App asks for (FIELD-NOTES.md, "App permissions"); Actions is write
 * because re-running a job lost to preemption needs it.
 */
export const DEFAULT_PERMISSIONS: SimPermissions = {
  actions: "write",
  administration: "write",
  metadata: "read",
  organization_self_hosted_runners: "write",
};
export const DEFAULT_EVENTS = ["push", "workflow_job", "workflow_run"] as const;

export function user(account: SimAccount, urls: GitHubUrls): User {
  const api = `${urls.apiBaseUrl}/users/${account.login}`;
  return {
    login: account.login,
    id: account.id,
    node_id: legacyNodeId(account.type, account.id),
    avatar_url: `${urls.avatarsBaseUrl}/u/${account.id}?v=4`,
    gravatar_id: "",
    url: api,
    html_url: `${urls.webBaseUrl}/${account.login}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: account.type,
    site_admin: false,
  };
}

/** Present on repository events only when the repository belongs to an organization. */
export function organizationOf(repo: SimRepository, urls: GitHubUrls): Organization | undefined {
  const org = repo.owner;
  if (org.type !== "Organization") return undefined;
  const api = `${urls.apiBaseUrl}/orgs/${org.login}`;
  return {
    login: org.login,
    id: org.id,
    node_id: legacyNodeId("Organization", org.id),
    url: api,
    repos_url: `${api}/repos`,
    events_url: `${api}/events`,
    hooks_url: `${api}/hooks`,
    issues_url: `${api}/issues`,
    members_url: `${api}/members{/member}`,
    public_members_url: `${api}/public_members{/member}`,
    avatar_url: `${urls.avatarsBaseUrl}/u/${org.id}?v=4`,
    description: null,
  };
}

export function installationLite(i: SimInstallation): InstallationLite {
  return { id: i.id, node_id: legacyNodeId("IntegrationInstallation", i.id) };
}

/** The `{ id, node_id, name, full_name, private }` entries of installation events. */
export function repositoryRef(r: SimRepository) {
  return {
    id: r.id,
    node_id: legacyNodeId("Repository", r.id),
    name: r.name,
    full_name: r.fullName,
    private: r.private,
  };
}

export function repositoryLite(r: SimRepository, urls: GitHubUrls): RepositoryLite {
  const api = `${urls.apiBaseUrl}/repos/${r.fullName}`;
  return {
    ...repositoryRef(r),
    owner: user(r.owner, urls),
    html_url: `${urls.webBaseUrl}/${r.fullName}`,
    description: null,
    fork: false,
    url: api,
    forks_url: `${api}/forks`,
    keys_url: `${api}/keys{/key_id}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    teams_url: `${api}/teams`,
    hooks_url: `${api}/hooks`,
    issue_events_url: `${api}/issues/events{/number}`,
    events_url: `${api}/events`,
    assignees_url: `${api}/assignees{/user}`,
    branches_url: `${api}/branches{/branch}`,
    tags_url: `${api}/tags`,
    blobs_url: `${api}/git/blobs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    trees_url: `${api}/git/trees{/sha}`,
    statuses_url: `${api}/statuses/{sha}`,
    languages_url: `${api}/languages`,
    stargazers_url: `${api}/stargazers`,
    contributors_url: `${api}/contributors`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    commits_url: `${api}/commits{/sha}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    comments_url: `${api}/comments{/number}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    contents_url: `${api}/contents/{+path}`,
    compare_url: `${api}/compare/{base}...{head}`,
    merges_url: `${api}/merges`,
    archive_url: `${api}/{archive_format}{/ref}`,
    downloads_url: `${api}/downloads`,
    issues_url: `${api}/issues{/number}`,
    pulls_url: `${api}/pulls{/number}`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    labels_url: `${api}/labels{/name}`,
    releases_url: `${api}/releases{/id}`,
    deployments_url: `${api}/deployments`,
  };
}

/**
 * The full repository object of webhook payloads. `unixTimes` reproduces a
 * push-event quirk: there `created_at` and `pushed_at` are Unix seconds, while
 * every other event uses ISO strings.
 */
export function repository(r: SimRepository, urls: GitHubUrls, unixTimes = false): Repository {
  const { createdAt, pushedAt, ...fields } = repositoryFields(r, urls);
  const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);
  return {
    ...fields,
    created_at: unixTimes ? unix(createdAt) : createdAt,
    pushed_at: pushedAt === null ? null : unixTimes ? unix(pushedAt) : pushedAt,
    custom_properties: {},
  };
}

/** What webhook and REST repositories share beyond the lite form. */
export function repositoryFields(r: SimRepository, urls: GitHubUrls) {
  const web = `${urls.webBaseUrl}/${r.fullName}`;
  const host = new URL(urls.webBaseUrl).host;
  const createdAt = r.createdAt ?? SIM_EPOCH;
  return {
    ...repositoryLite(r, urls),
    createdAt,
    pushedAt: r.pushedAt === undefined ? createdAt : r.pushedAt,
    updated_at: r.updatedAt ?? createdAt,
    git_url: `git://${host}/${r.fullName}.git`,
    ssh_url: `git@${host}:${r.fullName}.git`,
    clone_url: `${web}.git`,
    svn_url: web,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: null,
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: 0,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: r.private ? ("private" as const) : ("public" as const),
    forks: 0,
    open_issues: 0,
    watchers: 0,
    default_branch: r.defaultBranch,
  };
}

export function installation(
  i: SimInstallation,
  urls: GitHubUrls,
  suspender?: SimAccount,
): Installation {
  const suspendedBy = i.suspendedAt === null ? null : (i.suspendedBy ?? suspender ?? null);
  return {
    id: i.id,
    account: user(i.account, urls),
    repository_selection: i.repositorySelection,
    access_tokens_url: `${urls.apiBaseUrl}/app/installations/${i.id}/access_tokens`,
    repositories_url: `${urls.apiBaseUrl}/installation/repositories`,
    html_url:
      i.account.type === "Organization"
        ? `${urls.webBaseUrl}/organizations/${i.account.login}/settings/installations/${i.id}`
        : `${urls.webBaseUrl}/settings/installations/${i.id}`,
    app_id: i.appId,
    app_slug: i.appSlug,
    target_id: i.account.id,
    target_type: i.account.type,
    permissions: i.permissions ?? DEFAULT_PERMISSIONS,
    // The model keeps event names as plain strings; the schema tests catch unknown ones.
    events: (i.events ?? [...DEFAULT_EVENTS]) as Installation["events"],
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    single_file_name: null,
    has_multiple_single_files: false,
    single_file_paths: [],
    suspended_by: suspendedBy === null ? null : user(suspendedBy, urls),
    suspended_at: i.suspendedAt,
  };
}
