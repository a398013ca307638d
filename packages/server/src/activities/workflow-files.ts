import type { Kysely } from "kysely";
import { parse } from "yaml";
import type { WorkflowFilesPushArgs } from "../domain/signal-args.js";
import { runsOnLabels } from "../domain/workflow-labels.js";
import {
  mergeJobDemand,
  workflowJobDemand,
  type WorkflowJobDemand,
} from "../domain/workflow-jobs.js";
import type { GitHubApp } from "../github/types.js";
import type { Database } from "../storage/schema.js";

export interface WorkflowScan {
  files: number;
  /** Files that are not valid YAML: GitHub would reject them too, so they add no labels. */
  unreadable: string[];
  labels: string[];
  /** The files' jobs by runs-on label set, for pre-warming. */
  jobs: WorkflowJobDemand[];
}

/**
 * Workflow analysis: which `runs-on` labels a repository's workflow files ask
 * for, read at the pushed commit and stored on the repository row, so the
 * platform can show and pre-warm the runners a repository will need: the labels
 * used at all, and how many jobs ask for each label set.
 */
export function createWorkflowFileActivities(deps: {
  db: Kysely<Database>;
  github: GitHubApp | null;
}) {
  const { db, github } = deps;
  return {
    async scanWorkflowFiles(push: WorkflowFilesPushArgs): Promise<WorkflowScan> {
      if (!github) throw new Error("workflow analysis needs a GitHub client");
      const [owner = "", repo = ""] = push.repository.fullName.split("/");
      const files = await github
        .installation(push.installationId)
        .readWorkflowFiles(owner, repo, push.after);
      const labels = new Set<string>();
      const demands: WorkflowJobDemand[][] = [];
      const unreadable: string[] = [];
      for (const file of files) {
        let document: unknown;
        try {
          document = parse(file.content);
        } catch {
          unreadable.push(file.path);
          continue;
        }
        for (const label of runsOnLabels(document)) labels.add(label);
        demands.push(workflowJobDemand(document));
      }
      const sorted = [...labels].sort();
      const jobs = mergeJobDemand(demands);
      await db
        .updateTable("repositories")
        .set({
          workflow_labels: sorted,
          workflow_jobs: JSON.stringify(jobs),
          workflows_scanned_at: new Date(),
        })
        .where("github_repository_id", "=", BigInt(push.repository.id))
        .execute();
      return { files: files.length, unreadable, labels: sorted, jobs };
    },
  };
}

export type WorkflowFileActivities = ReturnType<typeof createWorkflowFileActivities>;
