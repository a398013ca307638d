import { sql, type Kysely } from "kysely";
import {
  isJobStatus,
  jobEventStatus,
  recordableStartedAt,
  type JobStatus,
} from "../domain/job-state.js";
import { allowsRepository, matchRunnerConfiguration } from "../domain/labels.js";
import type { JobEventArgs } from "../domain/signal-args.js";
import { asConclusion } from "../storage/schema/jobs.js";
import { ensureRepositoryRow } from "../storage/repositories.js";
import type { Database } from "../storage/schema.js";
import type { GitHubApp } from "../github/types.js";
import type { RunnerMetrics } from "../observability/metrics-runners.js";
import type { FirstRunnerAdmission } from "./runner-first-start.js";

// The job workflow's side effects on the jobs table and GitHub. Every write is keyed by
// workflow_job.id and guarded by the forward-only rank, so a retried activity or a
// replayed event changes nothing.

export interface JobSettings {
  /** A job still queued this long is re-checked against GitHub's API (lost webhooks). */
  staleAfterMs: number;
  /** After completion, late duplicates are absorbed this long before the workflow ends. */
  completedGraceMs: number;
}

export const defaultJobSettings: JobSettings = {
  staleAfterMs: 10 * 60_000,
  completedGraceMs: 60_000,
};

export type JobResolution =
  | { kind: "ignored"; reason: string }
  | { kind: "tracked"; runnerId: string; workspaceId: string; storedStatus: JobStatus | null };

export function createJobActivities(deps: {
  db: Kysely<Database>;
  /** Null where no GitHub client is configured: the stale-job check then fails. */
  github: GitHubApp | null;
  settings?: Partial<JobSettings>;
  /** Counts jobs started and completed, once: only a write that moved the row counts. */
  metrics?: RunnerMetrics;
  /**
   * Starts a new queued job's first runner while the job is resolved, when its
   * configuration has fewer runners coming than queued jobs (activities/runner-first-start.ts).
   */
  firstRunner?: FirstRunnerAdmission;
}) {
  const { db, github } = deps;
  const settings: JobSettings = { ...defaultJobSettings, ...deps.settings };

  return {
    getJobSettings(): Promise<JobSettings> {
      return Promise.resolve(settings);
    },

    /**
     * Whether Hangar tracks this job: its installation is linked to a workspace and a
     * live runner configuration of that installation serves its labels. Also reports
     * what is stored already, so a workflow started by a late duplicate can stop.
     */
    async resolveJob(event: JobEventArgs): Promise<JobResolution> {
      const stored = await db
        .selectFrom("jobs")
        .select(["status", "runner_id", "workspace_id"])
        .where("github_job_id", "=", BigInt(event.id))
        .executeTakeFirst();
      if (stored?.runner_id != null) {
        return {
          kind: "tracked",
          runnerId: stored.runner_id,
          workspaceId: stored.workspace_id,
          storedStatus: stored.status,
        };
      }
      const installation = await db
        .selectFrom("github_installations")
        .select(["workspace_id", "state", "is_service_enabled"])
        .where("installation_id", "=", BigInt(event.installationId))
        .executeTakeFirst();
      const workspaceId = installation?.workspace_id ?? null;
      if (workspaceId === null) return { kind: "ignored", reason: "installation not linked" };
      // Switched off: the job is left to whatever other runners the account has.
      if (installation?.is_service_enabled === false) {
        return { kind: "ignored", reason: "service switched off for the installation" };
      }
      const configurations = await db
        .selectFrom("runners")
        .select(["id", "name", "labels", "repositories"])
        .where("installation_id", "=", BigInt(event.installationId))
        .where("workspace_id", "=", workspaceId)
        .where("deleted_at", "is", null)
        .execute();
      // A configuration limited to some repositories makes no runner for the others.
      const serving = configurations.filter((c) =>
        allowsRepository(c.repositories, event.repository.fullName),
      );
      const match = matchRunnerConfiguration(event.labels, serving);
      if (match === undefined) return { kind: "ignored", reason: "no runner configuration" };
      // A new job whose first event is queued: the job workflow sends queued demand next
      // (domain/job-state.ts), unless GitHub may hold a deployment job for an approval.
      // Its runner is admitted and started here, before the pool hears of the job, one
      // step earlier than that demand.
      if (
        deps.firstRunner !== undefined &&
        jobEventStatus(event) === "queued" &&
        !event.hasDeployment
      ) {
        const first = await deps.firstRunner({ runnerId: match.id, jobId: event.id });
        if ("start" in first) await first.start();
      }
      return { kind: "tracked", runnerId: match.id, workspaceId, storedStatus: null };
    },

    /** Upserts the job from one event; true when the row was created or moved forward. */
    async recordJobEvent(input: {
      event: JobEventArgs;
      runnerId: string;
      workspaceId: string;
    }): Promise<boolean> {
      const { event, runnerId, workspaceId } = input;
      const status = jobEventStatus(event);
      const completed = status === "completed";
      const change = await db.transaction().execute(async (trx) => {
        await ensureRepositoryRow(trx, {
          id: event.repository.id,
          installationId: event.installationId,
          fullName: event.repository.fullName,
        });
        // Locked, so the status it had before this write is the one this write moved.
        const before = await trx
          .selectFrom("jobs")
          .select("status")
          .where("github_job_id", "=", BigInt(event.id))
          .forUpdate()
          .executeTakeFirst();
        const row = await trx
          .insertInto("jobs")
          .values({
            github_job_id: event.id,
            github_run_id: event.runId,
            run_attempt: event.runAttempt,
            github_repository_id: event.repository.id,
            installation_id: event.installationId,
            workspace_id: workspaceId,
            runner_id: runnerId,
            name: event.name,
            workflow_name: event.workflowName,
            head_branch: event.headBranch,
            head_sha: event.headSha,
            labels: event.labels,
            status,
            conclusion: completed ? asConclusion(event.conclusion) : null,
            github_created_at: event.createdAt,
            github_started_at: recordableStartedAt(status, event.startedAt),
            github_completed_at: completed ? event.completedAt : null,
            runner_name: event.runnerName,
            github_runner_id: event.runnerId,
            runner_group_id: event.runnerGroupId,
            runner_group_name: event.runnerGroupName,
          })
          .onConflict((oc) =>
            oc
              .column("github_job_id")
              .doUpdateSet({
                status: (eb) => eb.ref("excluded.status"),
                conclusion: (eb) => eb.ref("excluded.conclusion"),
                github_started_at: sql`coalesce(excluded.github_started_at, jobs.github_started_at)`,
                github_completed_at: (eb) => eb.ref("excluded.github_completed_at"),
                runner_name: sql`coalesce(excluded.runner_name, jobs.runner_name)`,
                github_runner_id: sql`coalesce(excluded.github_runner_id, jobs.github_runner_id)`,
                runner_group_id: sql`coalesce(excluded.runner_group_id, jobs.runner_group_id)`,
                runner_group_name: sql`coalesce(excluded.runner_group_name, jobs.runner_group_name)`,
                last_event_at: sql`now()`,
              })
              .where(sql<boolean>`jobs.status_rank < job_status_rank(excluded.status)`),
          )
          .returning([
            "runner_id",
            "status",
            "conclusion",
            "queue_seconds",
            "run_seconds",
            "runner_name",
          ])
          .executeTakeFirst();
        return row === undefined ? null : { before: before?.status ?? null, row };
      });
      if (change === null) return false;
      const { row } = change;
      await deps.metrics?.jobRecorded({
        runnerId: row.runner_id,
        before: change.before,
        after: {
          status: row.status,
          conclusion: row.conclusion,
          queueSeconds: row.queue_seconds,
          runSeconds: row.run_seconds,
          runnerName: row.runner_name,
        },
      });
      return true;
    },

    /**
     * GitHub's current view of a job, as the event it would have sent: for a job queued
     * suspiciously long (a lost webhook), and for a job with a deployment whose queued
     * event cannot say whether it waits for an approval. Null for a status Hangar does
     * not model (requested, pending).
     */
    async checkJobOnGitHub(event: JobEventArgs): Promise<JobEventArgs | null> {
      const { fullName, ownerLogin } = event.repository;
      const repo = fullName.slice(fullName.indexOf("/") + 1);
      if (github === null) throw new Error("no GitHub client configured for this worker");
      const job = await github
        .installation(event.installationId)
        .getJob(ownerLogin, repo, event.id);
      await db
        .updateTable("jobs")
        .set({ stale_checked_at: sql`now()` })
        .where("github_job_id", "=", BigInt(event.id))
        .execute();
      if (!isJobStatus(job.status)) return null;
      return {
        ...event,
        action: job.status,
        status: job.status,
        conclusion: job.conclusion,
        createdAt: job.createdAt,
        startedAt: job.startedAt,
        completedAt: job.completedAt,
        runnerId: job.runnerId,
        runnerName: job.runnerName,
        runnerGroupId: job.runnerGroupId,
      };
    },
  };
}

export type JobActivities = ReturnType<typeof createJobActivities>;
