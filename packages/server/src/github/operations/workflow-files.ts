import { GitHubNotFoundError } from "../errors.js";
import type { HangarOctokit } from "../request-pipeline.js";
import type { WorkflowFile } from "../types.js";

// The workflow definitions of a repository at a ref, so Hangar can see which
// `runs-on` labels a repository will ask for before the jobs arrive.

const DIRECTORY = ".github/workflows";
const WORKFLOW_FILE = /\.ya?ml$/i;

export async function readWorkflowFiles(
  octokit: HangarOctokit,
  owner: string,
  repo: string,
  ref: string,
): Promise<WorkflowFile[]> {
  let entries;
  try {
    ({ data: entries } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner,
      repo,
      path: DIRECTORY,
      ref,
    }));
  } catch (error) {
    // No workflows directory is an ordinary state of a repository, not a failure.
    if (error instanceof GitHubNotFoundError) return [];
    throw error;
  }
  if (!Array.isArray(entries)) return [];
  const files = entries.filter((entry) => entry.type === "file" && WORKFLOW_FILE.test(entry.name));
  return Promise.all(
    files.map(async (entry) => ({
      path: entry.path,
      content: await readFile(octokit, owner, repo, entry.path, entry.sha, ref),
    })),
  );
}

async function readFile(
  octokit: HangarOctokit,
  owner: string,
  repo: string,
  path: string,
  sha: string,
  ref: string,
): Promise<string> {
  const { data } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", {
    owner,
    repo,
    path,
    ref,
  });
  if (!Array.isArray(data) && data.type === "file" && "content" in data) {
    if (data.encoding === "base64") return Buffer.from(data.content, "base64").toString("utf8");
  }
  // Files over 1 MB come without content; the blob API serves them up to 100 MB.
  const blob = await octokit.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", {
    owner,
    repo,
    file_sha: sha,
  });
  return Buffer.from(blob.data.content, "base64").toString("utf8");
}
