import type { Commit, Committer, PushEvent } from "@octokit/webhooks-types";
import type { SimAccount, SimCommit, SimInstallation, SimRepository } from "../model.js";
import { derivedSha, resolveUrls, type GitHubUrls } from "../urls.js";
import { installationLite, organizationOf, repository, user } from "./accounts.js";

const ZERO_SHA = "0".repeat(40);

export interface PushPayloadInput {
  repository: SimRepository;
  installation: SimInstallation;
  ref: string;
  before: string;
  after: string;
  commits: SimCommit[];
  pusher: { name: string; email: string };
  sender: SimAccount;
  forced?: boolean;
}

/**
 * A `push` event. `created`/`deleted` follow from the all-zero sha on either
 * side, as on GitHub; `head_commit` is the last commit (null for a deletion).
 * Quirk kept: this is the one event whose `repository.created_at` and
 * `pushed_at` are Unix seconds rather than ISO strings.
 */
export function pushPayload(input: PushPayloadInput, urls?: Partial<GitHubUrls>): PushEvent {
  const u = resolveUrls(urls);
  const full = input.repository.fullName;
  const commits = input.commits.map((c) => commit(c, input, u));
  const organization = organizationOf(input.repository, u);
  const short = (sha: string) => sha.slice(0, 12);
  const deleted = input.after === ZERO_SHA;
  return {
    ref: input.ref,
    before: input.before,
    after: input.after,
    repository: {
      ...repository(input.repository, u, true),
      // Push payloads name the owner organization and keep the pre-rename field.
      ...(organization ? { organization: organization.login } : {}),
      stargazers: 0,
      master_branch: input.repository.defaultBranch,
    },
    pusher: { name: input.pusher.name, email: input.pusher.email },
    ...(organization ? { organization } : {}),
    installation: installationLite(input.installation),
    sender: user(input.sender, u),
    created: input.before === ZERO_SHA,
    deleted,
    forced: input.forced ?? false,
    base_ref: null,
    compare: `${u.webBaseUrl}/${full}/compare/${short(input.before)}...${short(input.after)}`,
    commits,
    head_commit: deleted ? null : (commits.at(-1) ?? null),
  };
}

function commit(c: SimCommit, input: PushPayloadInput, u: GitHubUrls): Commit {
  const author: Committer = c.author ?? { name: input.pusher.name, email: input.pusher.email };
  return {
    id: c.id,
    tree_id: c.treeId ?? derivedSha(`tree:${c.id}`),
    distinct: true,
    message: c.message,
    timestamp: c.timestamp,
    url: `${u.webBaseUrl}/${input.repository.fullName}/commit/${c.id}`,
    author,
    committer: author,
    added: [...c.added],
    removed: [...c.removed],
    modified: [...c.modified],
  };
}
