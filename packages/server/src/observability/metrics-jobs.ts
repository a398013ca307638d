import type { JobStatus } from "../domain/job-state.js";

// Which ARC job events one change of a jobs row amounts to. The job workflow writes a
// row only when an event moves it forward, so each milestone is crossed by exactly one
// write, whatever order GitHub's events came in and however often they were repeated.

/** A jobs row before and after a write that changed it. */
export interface JobChange {
  /** The row's status before the write; null when the write created it. */
  readonly before: JobStatus | null;
  readonly after: {
    readonly status: JobStatus;
    readonly conclusion: string | null;
    /** Generated from GitHub's timestamps: started − created, completed − started. */
    readonly queueSeconds: number | null;
    readonly runSeconds: number | null;
    /** Set by GitHub once a runner took the job; a job cancelled in the queue has none. */
    readonly runnerName: string | null;
  };
}

export interface JobMilestones {
  /** A runner started the job with this write: ARC's JobStarted. */
  started: { startupSeconds: number } | null;
  /** The job completed with this write: ARC's JobCompleted. */
  completed: { result: string; executionSeconds: number | null } | null;
}

const beganRunning = new Set<JobStatus | null>([null, "queued", "waiting"]);

export function jobMilestones(change: JobChange): JobMilestones {
  const { before, after } = change;
  // Only a job a runner took has a real start; one cancelled in the queue has none.
  const startup = after.runnerName === null ? null : after.queueSeconds;
  const running = after.status === "in_progress" || after.status === "completed";
  const started =
    running && startup !== null && beganRunning.has(before) ? { startupSeconds: startup } : null;
  const completed =
    after.status === "completed" && before !== "completed"
      ? {
          result: after.conclusion ?? "unknown",
          executionSeconds: startup === null ? null : after.runSeconds,
        }
      : null;
  return { started, completed };
}
