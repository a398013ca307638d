// The job workflow's forward-only rules, pure so they can be tested as tables.
// GitHub delivers workflow_job events late, twice and out of order; these rules decide
// what an event changes, and what the runner pool is told, from what was seen so far.

export type JobStatus = "queued" | "waiting" | "in_progress" | "completed";

/** What the runner pool is told. The pool keys demand by job id, so each kind is sent once. */
export type DemandKind = "queued" | "started" | "finished";

const rank: Record<JobStatus, number> = { queued: 1, waiting: 2, in_progress: 3, completed: 4 };

export function jobStatusRank(status: JobStatus): number {
  return rank[status];
}

export function isJobStatus(value: string): value is JobStatus {
  return value in rank;
}

/** What the workflow knows about its job: the furthest status recorded and demand sent. */
export interface JobProgress {
  status: JobStatus | null;
  demandSent: DemandKind[];
}

export const initialJobProgress: JobProgress = { status: null, demandSent: [] };

/** One thing learned about a job: an event GitHub sent, or its status read from GitHub's API. */
export interface JobObservation {
  status: JobStatus;
  /** A `deployment` in the payload: an environment, which may hold the job for an approval. */
  hasDeployment: boolean;
  /** Read from GitHub's API just now: the job's status at this moment, not a late event. */
  current: boolean;
}

export interface JobDecision {
  next: JobProgress;
  /** Write the event to the jobs row (the SQL guard re-checks the rank). */
  record: boolean;
  /** Tell the runner pool, or not. */
  demand: DemandKind | null;
  /**
   * Queued demand is held until GitHub's API says whether the job is waiting for an
   * approval: read the job's current status and apply it as a `current` observation.
   */
  check: boolean;
}

const demandFor: Record<JobStatus, DemandKind | null> = {
  queued: "queued",
  // Held for an environment approval: no runner yet. The queued event GitHub sends
  // after the approval opens the demand (see below).
  waiting: null,
  in_progress: "started",
  completed: "finished",
};

/**
 * Applies one observation.
 *
 * - An observation moves the job only forward; one that does not is a no-op, except:
 * - `queued` after `waiting` is the approval: the rank stays at waiting (the table's
 *   trigger would refuse going back), but it opens demand if none was opened yet. A
 *   `queued` that arrived before `waiting` already opened it, and demand is counted
 *   once per job, so the second one is a no-op.
 * - GitHub's API saying `queued` (a `current` observation) means the job is not
 *   waiting: it opens demand while the job is queued or waiting here.
 * - For a job with a deployment, an event's `queued` never opens demand by itself:
 *   GitHub sends `queued, waiting, queued` around an approval in any order, so the
 *   queued sent before the approval cannot be told from the one after it. The decision
 *   asks for a `check` instead, and GitHub's answer decides. Without protection rules
 *   the environment holds nothing and the answer is `queued` at once.
 * - `completed` first (never seen queued) is recorded in full, with `finished` demand.
 */
export function decideJobEvent(progress: JobProgress, observed: JobObservation): JobDecision {
  const { status } = observed;
  const current = progress.status === null ? 0 : rank[progress.status];
  const moves = rank[status] > current;
  const opens =
    status === "queued"
      ? moves || progress.status === "waiting" || (observed.current && progress.status === "queued")
      : moves;
  const wanted = opens ? demandFor[status] : null;
  const unsent = wanted !== null && !progress.demandSent.includes(wanted);
  const held = unsent && wanted === "queued" && observed.hasDeployment && !observed.current;
  const demand = unsent && !held ? wanted : null;
  return {
    next: {
      status: moves ? status : progress.status,
      demandSent: demand === null ? progress.demandSent : [...progress.demandSent, demand],
    },
    record: moves,
    demand,
    check: held,
  };
}

/**
 * The start time an event may record. GitHub fills started_at with created_at while a
 * job is queued or waiting; only a runner starting it makes the value real.
 */
export function recordableStartedAt(status: JobStatus, startedAt: string | null): string | null {
  return status === "in_progress" || status === "completed" ? startedAt : null;
}

/** The status an event reports: its status field, or its action when that is unknown. */
export function jobEventStatus(event: { action: JobStatus; status: string }): JobStatus {
  return isJobStatus(event.status) ? event.status : event.action;
}
