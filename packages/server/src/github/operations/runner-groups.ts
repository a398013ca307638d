import {
  findRunnerGroup,
  planRunnerGroup,
  type ExistingRunnerGroup,
  type WantedRunnerGroup,
} from "../../domain/runner-group.js";
import { GitHubConflictError, GitHubNotFoundError, GitHubValidationError } from "../errors.js";
import type { HangarOctokit } from "../request-pipeline.js";
import type { DeleteRunnerGroupResult, RunnerGroup } from "../types.js";
import { toId } from "./convert.js";

// An organisation's self-hosted runner groups and the repositories each admits
// (organisation permission "Self-hosted runners": write). Custom groups need a plan
// that has them; GitHub answers 403, 404 or 422 where it has not.

interface GroupData {
  id: number | bigint;
  name: string;
  visibility: string;
  default: boolean;
  allows_public_repositories: boolean;
}

function mapGroup(data: GroupData): RunnerGroup {
  return {
    id: toId(data.id),
    name: data.name,
    visibility: data.visibility,
    isDefault: data.default,
    allowsPublicRepositories: data.allows_public_repositories,
  };
}

export async function listRunnerGroups(
  octokit: HangarOctokit,
  org: string,
): Promise<RunnerGroup[]> {
  const all = await octokit.paginate("GET /orgs/{org}/actions/runner-groups", {
    org,
    per_page: 100,
  });
  return all.map(mapGroup);
}

export async function listRunnerGroupRepositoryIds(
  octokit: HangarOctokit,
  org: string,
  groupId: number,
): Promise<number[]> {
  const all = await octokit.paginate(
    "GET /orgs/{org}/actions/runner-groups/{runner_group_id}/repositories",
    { org, runner_group_id: groupId, per_page: 100 },
  );
  return all.map((repository) => toId(repository.id));
}

async function createGroup(
  octokit: HangarOctokit,
  org: string,
  name: string,
  repositoryIds: number[],
): Promise<number> {
  const { data } = await octokit.request("POST /orgs/{org}/actions/runner-groups", {
    org,
    name,
    visibility: "selected",
    selected_repository_ids: repositoryIds,
    allows_public_repositories: true,
  });
  return toId(data.id);
}

/**
 * Makes the group named `wanted.name` admit exactly `wanted.repositoryIds`, creating
 * it if need be; its id. Safe to run again, and alongside another worker doing the
 * same: a create that loses the race to the same name takes the winner's group.
 */
export async function ensureRunnerGroup(
  octokit: HangarOctokit,
  org: string,
  wanted: WantedRunnerGroup,
): Promise<number> {
  let existing: ExistingRunnerGroup | undefined = findRunnerGroup(
    await listRunnerGroups(octokit, org),
    wanted.name,
  );
  if (existing === undefined) {
    const [create] = planRunnerGroup(undefined, null, wanted);
    if (create?.kind !== "create") throw new Error("a missing group is created first");
    try {
      return await createGroup(octokit, org, create.name, create.repositoryIds);
    } catch (error) {
      if (!(error instanceof GitHubConflictError || error instanceof GitHubValidationError)) {
        throw error;
      }
      // Taken meanwhile (GitHub keeps names unique): reconcile that group; else the
      // refusal was about something else, such as a plan without custom groups.
      existing = findRunnerGroup(await listRunnerGroups(octokit, org), wanted.name);
      if (existing === undefined) throw error;
    }
  }
  await applyRunnerGroupPlan(octokit, org, existing, wanted);
  return existing.id;
}

/**
 * Makes an existing group named `wanted.name` admit exactly `wanted.repositoryIds`; the
 * group's id and how many changes that took, or null when there is no such group (a
 * group that does not exist has no runners to keep from anything).
 */
export async function reconcileRunnerGroup(
  octokit: HangarOctokit,
  org: string,
  wanted: WantedRunnerGroup,
): Promise<{ id: number; changes: number } | null> {
  const existing = findRunnerGroup(await listRunnerGroups(octokit, org), wanted.name);
  if (existing === undefined || existing.isDefault) return null;
  const changes = await applyRunnerGroupPlan(octokit, org, existing, wanted);
  return { id: existing.id, changes };
}

/** Carries out the plan for an existing group; the number of changes made. */
async function applyRunnerGroupPlan(
  octokit: HangarOctokit,
  org: string,
  existing: ExistingRunnerGroup,
  wanted: WantedRunnerGroup,
): Promise<number> {
  const current = await listRunnerGroupRepositoryIds(octokit, org, existing.id);
  const steps = planRunnerGroup(existing, current, wanted);
  for (const step of steps) {
    switch (step.kind) {
      case "create":
        throw new Error("an existing group is not created again");
      case "restrict":
        await octokit.request("PATCH /orgs/{org}/actions/runner-groups/{runner_group_id}", {
          org,
          runner_group_id: step.id,
          name: step.name,
          visibility: "selected",
          allows_public_repositories: true,
        });
        break;
      case "set-repositories":
        await octokit.request(
          "PUT /orgs/{org}/actions/runner-groups/{runner_group_id}/repositories",
          { org, runner_group_id: step.id, selected_repository_ids: step.repositoryIds },
        );
        break;
      default: {
        const unknownStep: never = step;
        throw new Error(`unknown step ${JSON.stringify(unknownStep)}`);
      }
    }
  }
  return steps.length;
}

/**
 * Deletes the group of that name, if there is one and no runner is in it. GitHub would
 * delete a group with runners too, moving them to the Default group, where a runner of
 * a configuration restricted to some repositories could take any repository's job: such
 * a group is left (`occupied`) for a later try, once its runners are gone.
 */
export async function deleteRunnerGroup(
  octokit: HangarOctokit,
  org: string,
  name: string,
): Promise<DeleteRunnerGroupResult> {
  const group = findRunnerGroup(await listRunnerGroups(octokit, org), name);
  if (group === undefined || group.isDefault) return { kind: "not-found" };
  const { data } = await octokit.request(
    "GET /orgs/{org}/actions/runner-groups/{runner_group_id}/runners",
    { org, runner_group_id: group.id, per_page: 1 },
  );
  if (data.total_count > 0) return { kind: "occupied", runners: data.total_count };
  try {
    await octokit.request("DELETE /orgs/{org}/actions/runner-groups/{runner_group_id}", {
      org,
      runner_group_id: group.id,
    });
    return { kind: "deleted" };
  } catch (error) {
    if (error instanceof GitHubNotFoundError) return { kind: "not-found" };
    throw error;
  }
}
