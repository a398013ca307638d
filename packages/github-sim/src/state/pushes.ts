import type { PushWorkflowFileInput } from "../control/types.js";
import { SimInputError, type SimContext } from "./context.js";
import { commitFile } from "./repositories.js";

/** Commits a workflow file and reports it the way GitHub's `push` event does. */
export function pushWorkflowFile(ctx: SimContext, input: PushWorkflowFileInput): { sha: string } {
  const repo = ctx.state.findRepository(input.repository);
  if (!repo) throw new SimInputError(404, `repository ${input.repository} does not exist`);
  const branch = input.branch ?? repo.defaultBranch;
  const { before, commit, added } = commitFile(
    repo,
    branch,
    input.path,
    input.content,
    ctx.clock.now(),
  );
  repo.pushedAt = commit.timestamp;
  ctx.emit({
    event: "push",
    repository: repo,
    ref: `refs/heads/${branch}`,
    before,
    after: commit.sha,
    commits: [
      {
        id: commit.sha,
        message: commit.message,
        timestamp: commit.timestamp,
        added: added ? [input.path] : [],
        modified: added ? [] : [input.path],
        removed: [],
      },
    ],
  });
  return { sha: commit.sha };
}
