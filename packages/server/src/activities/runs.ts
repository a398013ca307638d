import { sql, type Kysely } from "kysely";
import type { RunEventArgs } from "../domain/signal-args.js";
import { asConclusion, type WorkflowRunsTable } from "../storage/schema/jobs.js";
import { ensureRepositoryRow } from "../storage/repositories.js";
import type { Database } from "../storage/schema.js";

// workflow_runs rows from workflow_run events. Runs have no forward-only order (a re-run
// goes back to queued), so an event applies only if it is not older than the stored one.

export type RunRecordResult = "applied" | "stale" | "unknown-installation";

type RunStatus = WorkflowRunsTable["status"];
const runStatuses: readonly RunStatus[] = [
  "requested",
  "queued",
  "pending",
  "waiting",
  "in_progress",
  "completed",
];

function runStatus(event: RunEventArgs): RunStatus {
  return runStatuses.find((s) => s === event.status) ?? event.action;
}

export function createRunActivities(deps: { db: Kysely<Database> }) {
  const { db } = deps;
  return {
    async recordRunEvent(event: RunEventArgs): Promise<RunRecordResult> {
      return db.transaction().execute(async (trx) => {
        const installation = await trx
          .selectFrom("github_installations")
          .select("workspace_id")
          .where("installation_id", "=", BigInt(event.installationId))
          .executeTakeFirst();
        if (installation === undefined) return "unknown-installation";
        await ensureRepositoryRow(trx, {
          id: event.repository.id,
          installationId: event.installationId,
          fullName: event.repository.fullName,
        });
        const status = runStatus(event);
        const completed = status === "completed";
        const row = await trx
          .insertInto("workflow_runs")
          .values({
            github_run_id: event.id,
            run_attempt: event.runAttempt,
            github_repository_id: event.repository.id,
            installation_id: event.installationId,
            workspace_id: installation.workspace_id,
            github_workflow_id: event.workflowId,
            workflow_name: event.name,
            head_sha: event.headSha,
            head_branch: event.headBranch,
            event: event.event,
            status,
            conclusion: completed ? asConclusion(event.conclusion) : null,
            github_created_at: event.createdAt,
            github_started_at: event.runStartedAt,
            github_updated_at: event.updatedAt,
            // GitHub sends no completed_at: the completing event's updated_at stands in.
            github_completed_at: completed ? event.updatedAt : null,
          })
          .onConflict((oc) =>
            oc
              .columns(["github_run_id", "run_attempt"])
              .doUpdateSet({
                status: (eb) => eb.ref("excluded.status"),
                conclusion: (eb) => eb.ref("excluded.conclusion"),
                workspace_id: (eb) => eb.ref("excluded.workspace_id"),
                github_started_at: sql`coalesce(excluded.github_started_at, workflow_runs.github_started_at)`,
                github_updated_at: (eb) => eb.ref("excluded.github_updated_at"),
                github_completed_at: (eb) => eb.ref("excluded.github_completed_at"),
              })
              .where(sql<boolean>`workflow_runs.github_updated_at <= excluded.github_updated_at`),
          )
          .returning("github_run_id")
          .executeTakeFirst();
        return row === undefined ? "stale" : "applied";
      });
    },
  };
}

export type RunActivities = ReturnType<typeof createRunActivities>;
