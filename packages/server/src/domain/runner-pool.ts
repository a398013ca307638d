import type { PoolInstance, StartFailures } from "./autoscale.js";
import type { DemandKind } from "./job-state.js";
import type { InstanceOutcome } from "./runner-instance.js";

// The messages between the runner pool, its instances and the job workflows' demand,
// and the timing both workflows run on. Type aliases, not interfaces, so that they are
// assignable to JSON values as signal arguments must be.

/**
 * One job's demand, keyed by job id so that a repeated signal changes nothing.
 * `runnerName` is set for `started`: the runner GitHub gave the job to, as the job
 * workflow recorded it, so the pool knows which of its instances went busy.
 */
export type PoolDemand = {
  jobId: number;
  kind: DemandKind;
  runnerName: string | null;
};

/** What an instance tells its pool about itself. */
export type InstanceReport =
  | { name: string; event: "idle" }
  | { name: string; event: "busy"; jobId: number | null }
  | { name: string; event: "ended"; outcome: InstanceOutcome };

/** The pool tells an instance which job GitHub started on it. */
export type InstanceAssignment = { jobId: number };

/** The pool's state as its status query reports it. */
export type PoolStatus = {
  queuedJobIds: number[];
  instances: PoolInstance[];
  failures: StartFailures;
  /** Evaluations done by this run of the pool (it restarts at 0 after continue-as-new). */
  evaluations: number;
};

export type RunnerTimings = {
  /** The pool looks at its configuration and counts again at least this often. */
  reevaluateMs: number;
  /** A surplus idle runner is kept this long before it is retired. */
  idleTimeoutMs: number;
  /** A runner not registered with GitHub by then is a failed start. */
  bootstrapTimeoutMs: number;
  /** The first failed start delays the next by this much; each further one doubles it. */
  startBackoffMs: number;
  /** Failed starts in a row that put the configuration in error. */
  maxFailedStarts: number;
  /**
   * A runner that saw itself take a job is counted busy once the job's `started` event
   * names it, or after this long (the job was another configuration's, or its event
   * was lost).
   */
  busyReportGraceMs: number;
  /** Instances of one pool starting at the same time. */
  maxStarting: number;
  /** How often an instance looks at its pod (a cheap read of the cluster). */
  podPollMs: number;
  /** How often a starting or idle instance asks GitHub about its runner (a rate-limited call). */
  githubPollMs: number;
  /** GitHub keeps a lost runner busy for 10–15 minutes: teardown retries its removal this often… */
  busyRunnerRetryMs: number;
  /** …this many times, then leaves the offline runner to GitHub's own cleanup. */
  busyRunnerRetries: number;
};

export const defaultRunnerTimings: RunnerTimings = {
  reevaluateMs: 30_000,
  idleTimeoutMs: 5 * 60_000,
  bootstrapTimeoutMs: 5 * 60_000,
  startBackoffMs: 5_000,
  maxFailedStarts: 5,
  busyReportGraceMs: 30_000,
  maxStarting: 50,
  podPollMs: 2_000,
  githubPollMs: 5_000,
  busyRunnerRetryMs: 30_000,
  busyRunnerRetries: 40,
};
