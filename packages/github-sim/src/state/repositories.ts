import { createHash, randomBytes } from "node:crypto";
import { isoAt } from "../clock.js";
import type { CommitRecord, FileBlob, RepositoryRecord } from "./records.js";

/** Git's blob id, so `sha` in contents responses means what clients expect it to mean. */
export function blobSha(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

function commitSha(): string {
  return randomBytes(20).toString("hex");
}

/** An initial commit, so every repository has a default branch with a head. */
export function initialCommit(nowMs: number): CommitRecord {
  return {
    sha: commitSha(),
    parent: null,
    message: "Initial commit",
    timestamp: isoAt(nowMs),
    tree: new Map([["README.md", blobOf("# repository\n")]]),
  };
}

function blobOf(content: string): FileBlob {
  return { sha: blobSha(content), content };
}

export interface FileCommit {
  before: string;
  commit: CommitRecord;
  added: boolean;
}

/** Commits one file onto `branch` (created from the default branch when new). */
export function commitFile(
  repo: RepositoryRecord,
  branch: string,
  path: string,
  content: string,
  nowMs: number,
): FileCommit {
  const existingHead = repo.branches.get(branch);
  const parent = repo.commits.get(existingHead ?? repo.branches.get(repo.defaultBranch) ?? "");
  const tree = new Map(parent?.tree ?? []);
  const added = !tree.has(path);
  tree.set(path, blobOf(content));
  const commit: CommitRecord = {
    sha: commitSha(),
    parent: parent?.sha ?? null,
    message: `${added ? "Add" : "Update"} ${path}`,
    timestamp: isoAt(nowMs),
    tree,
  };
  repo.commits.set(commit.sha, commit);
  repo.branches.set(branch, commit.sha);
  // A push that creates a branch reports the all-zero sha as `before`, as GitHub does.
  return { before: existingHead ?? "0".repeat(40), commit, added };
}

/** Resolves `ref` as a branch name or a commit sha; the default branch when absent. */
export function resolveRef(repo: RepositoryRecord, ref: string | undefined): CommitRecord | null {
  const name = ref?.replace(/^refs\/heads\//, "") ?? repo.defaultBranch;
  const sha = repo.branches.get(name) ?? name;
  return repo.commits.get(sha) ?? null;
}

export function headSha(repo: RepositoryRecord, branch: string): string {
  return repo.branches.get(branch) ?? repo.branches.get(repo.defaultBranch) ?? "0".repeat(40);
}
