import type { HangarOctokit } from "../request-pipeline.js";
import type { Repository } from "../types.js";
import { toId } from "./convert.js";

/** Every repository the installation can see, across all pages. */
export async function listRepositories(octokit: HangarOctokit): Promise<Repository[]> {
  const all = await octokit.paginate("GET /installation/repositories", { per_page: 100 });
  return all.map((repository) => ({
    id: toId(repository.id),
    name: repository.name,
    fullName: repository.full_name,
    owner: repository.owner.login,
    private: repository.private,
    archived: repository.archived,
    defaultBranch: repository.default_branch,
  }));
}
