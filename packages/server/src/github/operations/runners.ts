import type { components } from "@octokit/openapi-types";
import { GitHubNotFoundError, GitHubValidationError } from "../errors.js";
import type { HangarOctokit } from "../request-pipeline.js";
import type { DeleteRunnerResult, Runner, RunnerScope } from "../types.js";
import { toId } from "./convert.js";

// Self-hosted runners of an organisation or a repository. Both scopes have
// the same endpoints under different prefixes.

type RunnerData = components["schemas"]["runner"];

export function mapRunner(data: RunnerData): Runner {
  return {
    id: toId(data.id),
    name: data.name,
    labels: data.labels.map((label) => label.name),
    status: data.status,
    busy: data.busy,
  };
}

export async function listRunners(
  octokit: HangarOctokit,
  scope: RunnerScope,
  options: { name?: string } = {},
): Promise<Runner[]> {
  const filter = { per_page: 100, ...(options.name === undefined ? {} : { name: options.name }) };
  const all =
    "org" in scope
      ? await octokit.paginate("GET /orgs/{org}/actions/runners", { org: scope.org, ...filter })
      : await octokit.paginate("GET /repos/{owner}/{repo}/actions/runners", {
          owner: scope.owner,
          repo: scope.repo,
          ...filter,
        });
  return all.map(mapRunner);
}

export async function getRunner(
  octokit: HangarOctokit,
  scope: RunnerScope,
  runnerId: number,
): Promise<Runner> {
  const { data } =
    "org" in scope
      ? await octokit.request("GET /orgs/{org}/actions/runners/{runner_id}", {
          org: scope.org,
          runner_id: runnerId,
        })
      : await octokit.request("GET /repos/{owner}/{repo}/actions/runners/{runner_id}", {
          owner: scope.owner,
          repo: scope.repo,
          runner_id: runnerId,
        });
  return mapRunner(data);
}

/**
 * Deletes an idle runner. A busy one is left alone (`busy`: retry later)
 * rather than failing: GitHub answers 422 to deleting a busy runner anyway,
 * and asking first spares a write point and keeps the answer a value.
 */
export async function deleteRunner(
  octokit: HangarOctokit,
  scope: RunnerScope,
  runnerId: number,
): Promise<DeleteRunnerResult> {
  try {
    const runner = await getRunner(octokit, scope, runnerId);
    if (runner.busy) return { kind: "busy" };
    if ("org" in scope) {
      await octokit.request("DELETE /orgs/{org}/actions/runners/{runner_id}", {
        org: scope.org,
        runner_id: runnerId,
      });
    } else {
      await octokit.request("DELETE /repos/{owner}/{repo}/actions/runners/{runner_id}", {
        owner: scope.owner,
        repo: scope.repo,
        runner_id: runnerId,
      });
    }
    return { kind: "deleted" };
  } catch (error) {
    if (error instanceof GitHubNotFoundError) return { kind: "not-found" };
    // It took a job between our GET and our DELETE.
    if (error instanceof GitHubValidationError && error.status === 422) return { kind: "busy" };
    throw error;
  }
}

export interface RunnerGroupCache {
  resolve(
    octokit: HangarOctokit,
    installationId: number,
    org: string,
    name: string,
  ): Promise<number>;
}

/**
 * Runner group ids by name, per installation and org. Every JIT registration
 * needs one, so a burst of them must not list the groups once per runner:
 * one listing is shared by concurrent callers and kept for `ttlMs`. A name
 * not found triggers one fresh listing, in case the group was just created.
 */
export function createRunnerGroupCache(options: {
  now: () => number;
  ttlMs: number;
}): RunnerGroupCache {
  const listings = new Map<string, Listing>();

  /** The current listing, or a new one when there is none, it is too old, or it is `stale`. */
  function listing(octokit: HangarOctokit, key: string, org: string, stale?: Listing): Listing {
    const cached = listings.get(key);
    if (cached !== undefined && cached !== stale && options.now() - cached.at < options.ttlMs) {
      return cached;
    }
    const groups = (async () => {
      const all = await octokit.paginate("GET /orgs/{org}/actions/runner-groups", {
        org,
        per_page: 100,
      });
      // GitHub keeps group names unique regardless of case.
      return new Map(all.map((group) => [group.name.toLowerCase(), toId(group.id)]));
    })();
    const created = { at: options.now(), groups };
    listings.set(key, created);
    // A failed listing is not kept: the next caller tries again.
    groups.catch(() => {
      if (listings.get(key) === created) listings.delete(key);
    });
    return created;
  }

  return {
    async resolve(octokit, installationId, org, name) {
      const key = `${installationId}/${org.toLowerCase()}`;
      const wanted = name.toLowerCase();
      const first = listing(octokit, key, org);
      const id = (await first.groups).get(wanted);
      if (id !== undefined) return id;
      // Concurrent misses on one listing share a single fresh one.
      const refreshed = (await listing(octokit, key, org, first).groups).get(wanted);
      if (refreshed !== undefined) return refreshed;
      throw new GitHubNotFoundError(`runner group "${name}" not found in ${org}`);
    },
  };
}

interface Listing {
  readonly at: number;
  readonly groups: Promise<Map<string, number>>;
}
