import type { Kysely, Transaction } from "kysely";
import { GitHubError, GitHubNotFoundError } from "../github/errors.js";
import type { GitHubApp } from "../github/types.js";
import type { Database } from "../storage/schema.js";
import type { JobRerunState } from "../storage/schema/jobs.js";
import { asActivityError } from "./activity-context.js";

// Re-running jobs lost when Kubernetes took their runner's pod away (preemption of spot
// capacity, a node shutdown or gone, an eviction). A used JIT config is never replayed:
// the job itself is run again, through GitHub's "re-run a job" endpoint, as a new
// attempt of its run that a new runner takes. The job's row records what happens
// (jobs.rerun_state): marked `waiting` when its instance ends (markLostJobRerun), then
// checked by the runner pool on a timer (rerunLostJob) until GitHub accepts the re-run
// or it is declined. GitHub re-runs a job only once every job of its run has
// completed, so a job lost mid-run waits, possibly for as long as its run's other jobs
// take.

type Queryable = Kysely<Database> | Transaction<Database>;

/** A job whose run has not completed after this long is no longer re-run. */
const DEFAULT_PATIENCE_MS = 7 * 24 * 3_600_000;

/**
 * Marks the job the instance lost, once the two are linked: `waiting` when the pod was
 * disrupted and the instance's offering re-runs such jobs (`rerun_on_preemption`, by
 * default for spot offerings), `declined` when it does not. A job lost to a deletion
 * (someone stopped the runner) is left alone. Runs whenever either side of the link
 * is written, and changes nothing once the job is marked.
 */
export async function markLostJobRerun(db: Queryable, instanceId: string): Promise<void> {
  const lost = await db
    .selectFrom("runner_instances as ri")
    .innerJoin("runners as r", "r.id", "ri.runner_id")
    .leftJoin("runner_offerings as o", "o.id", "r.offering_id")
    .select(["ri.disruption", "o.rerun_on_preemption", "o.spot", "o.name as offering"])
    .where("ri.id", "=", instanceId)
    .where("ri.state", "=", "failed")
    .where("ri.disruption", "is not", null)
    .executeTakeFirst();
  if (lost?.disruption == null) return;
  const rerun = lost.rerun_on_preemption ?? lost.spot ?? false;
  const why = `its runner's pod was disrupted (${lost.disruption})`;
  await db
    .updateTable("jobs")
    .set({
      rerun_state: rerun ? "waiting" : "declined",
      rerun_message: rerun
        ? `${why}; it is re-run once its run has completed`
        : `${why}; ${lost.offering === null ? "custom runners do" : `the offering ${lost.offering} does`} not re-run jobs lost to preemption`,
      rerun_updated_at: new Date(),
    })
    .where("runner_instance_id", "=", instanceId)
    .where("rerun_state", "is", null)
    .execute();
}

export type RerunCheck = { state: JobRerunState | null };

export function createRunnerRerunActivities(deps: {
  db: Kysely<Database>;
  github: GitHubApp | null;
  /** How long a job waits for its run to complete before it is no longer re-run. */
  patienceMs?: number;
  now?: () => number;
}) {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  const patienceMs = deps.patienceMs ?? DEFAULT_PATIENCE_MS;

  /** Moves the job on from `waiting`; a job settled meanwhile keeps what it has. */
  async function settle(jobId: number, state: JobRerunState, message: string): Promise<RerunCheck> {
    const row = await db
      .updateTable("jobs")
      .set({ rerun_state: state, rerun_message: message, rerun_updated_at: new Date(now()) })
      .where("github_job_id", "=", BigInt(jobId))
      .where("rerun_state", "=", "waiting")
      .returning("rerun_state")
      .executeTakeFirst();
    return { state: row?.rerun_state ?? state };
  }

  return {
    /**
     * One look at a job waiting to be re-run. Asks GitHub for the run first: a run that
     * has moved past the job's attempt was re-run already (by someone, or by an
     * earlier try of this activity whose answer was lost), so it is never re-run twice.
     * Answers the job's state afterwards: still `waiting` means "look again later".
     */
    async rerunLostJob(input: { jobId: number }): Promise<RerunCheck> {
      const job = await db
        .selectFrom("jobs as j")
        .innerJoin("repositories as repo", "repo.github_repository_id", "j.github_repository_id")
        .innerJoin("runner_instances as ri", "ri.id", "j.runner_instance_id")
        .innerJoin("runners as r", "r.id", "ri.runner_id")
        .select([
          "j.github_run_id",
          "j.run_attempt",
          "j.installation_id",
          "j.rerun_state",
          "j.rerun_updated_at",
          "repo.full_name",
          "r.deleted_at",
          "r.status",
        ])
        .where("j.github_job_id", "=", BigInt(input.jobId))
        .executeTakeFirst();
      if (job === undefined) return { state: null };
      if (job.rerun_state !== "waiting") return { state: job.rerun_state };
      if (job.deleted_at !== null || job.status === "deleting") {
        return settle(input.jobId, "declined", "the runner configuration was deleted");
      }
      if (deps.github === null) throw new Error("no GitHub client configured for this worker");
      const slash = job.full_name.indexOf("/");
      const owner = job.full_name.slice(0, slash);
      const repo = job.full_name.slice(slash + 1);
      const client = deps.github.installation(Number(job.installation_id));
      try {
        const run = await client.getRun(owner, repo, Number(job.github_run_id));
        if (run.runAttempt > job.run_attempt) {
          return await settle(
            input.jobId,
            "superseded",
            `the run was re-run already (attempt ${run.runAttempt})`,
          );
        }
        if (run.status !== "completed") return await waitLonger(input.jobId, job.rerun_updated_at);
        if (run.conclusion === "cancelled") {
          return await settle(input.jobId, "declined", "the run was cancelled");
        }
        const current = await client.getJob(owner, repo, input.jobId);
        if (current.conclusion === "success" || current.conclusion === "skipped") {
          return await settle(
            input.jobId,
            "declined",
            `GitHub concluded the job ${current.conclusion}`,
          );
        }
        const answer = await client.rerunJob(owner, repo, input.jobId);
        switch (answer.kind) {
          case "rerun":
            return await settle(
              input.jobId,
              "requested",
              `GitHub re-runs the job as attempt ${run.runAttempt + 1} of its run`,
            );
          case "run-in-progress":
            return await waitLonger(input.jobId, job.rerun_updated_at);
          case "refused":
            return await settle(
              input.jobId,
              "declined",
              `GitHub refused the re-run: ${answer.message}`,
            );
          default: {
            const unknown: never = answer;
            throw new Error(`unknown re-run answer ${JSON.stringify(unknown)}`);
          }
        }
      } catch (error) {
        if (error instanceof GitHubNotFoundError) {
          return settle(input.jobId, "declined", "GitHub no longer has the job's run");
        }
        if (error instanceof GitHubError) throw asActivityError(error);
        throw error;
      }
    },
  };

  async function waitLonger(jobId: number, since: Date | null): Promise<RerunCheck> {
    if (since !== null && now() - since.getTime() > patienceMs) {
      const hours = Math.ceil(patienceMs / 3_600_000);
      return settle(jobId, "declined", `its run did not complete within ${hours} h`);
    }
    return { state: "waiting" };
  }
}

export type RunnerRerunActivities = ReturnType<typeof createRunnerRerunActivities>;
