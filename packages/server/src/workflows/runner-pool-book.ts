import {
  noStartFailures,
  recordFailedStart,
  startsAllowed,
  type PoolInstance,
  type PoolInstanceState,
  type ScaleInput,
  type StartFailures,
} from "../domain/autoscale.js";
import { provesStart } from "../domain/runner-instance.js";
import {
  defaultRunnerTimings,
  type InstanceReport,
  type PoolDemand,
  type PoolStatus,
  type RunnerTimings,
} from "../domain/runner-pool.js";
import type { PoolSnapshot } from "../activities/runner-pool.js";

// What the runner pool knows, and how each signal and snapshot changes it: the jobs
// queued for the configuration, its instances, and its failed starts. Deterministic
// and free of Temporal calls (times are passed in), so the pool workflow is only the
// loop that feeds it and acts on its plans.

export type PoolInstanceRecord = PoolInstance & {
  /** Its row exists: it counts in the snapshot's quota headroom already. */
  admitted: boolean;
  /**
   * When the instance itself saw GitHub give it a job that no `started` demand has
   * named yet. The job is most likely one this pool counts as queued, and its event is
   * on its way: counting the runner busy and the job queued at the same time would
   * start a runner too many. Until the event arrives (or the grace runs out: the job
   * belonged to someone else, or its event was lost) the runner counts as neither
   * idle (it is not retired) nor busy.
   */
  busyReportedAtMs: number | null;
};

/** A job lost to a disrupted runner, waiting for GitHub to accept its re-run. */
export type PendingRerun = {
  jobId: number;
  /** The next look at it (workflow time, epoch ms). */
  dueAtMs: number;
  /** Looks so far that found its run still running: each one doubles the wait. */
  checks: number;
};

/** Carried from one run of the pool to the next (continue-as-new). */
export type RunnerPoolState = {
  queuedJobIds: number[];
  instances: PoolInstanceRecord[];
  failures: StartFailures;
  /** The configuration's fingerprint when failed starts halted the pool. */
  haltedFingerprint: string | null;
  /** Instances that reported their end, so a snapshot read before that cannot revive them. */
  recentlyEnded: string[];
  /** The last snapshot's, for reports that arrive before the next run's first snapshot. */
  timings?: RunnerTimings;
  reruns?: PendingRerun[];
};

export const initialPoolState: RunnerPoolState = {
  queuedJobIds: [],
  instances: [],
  failures: noStartFailures,
  haltedFingerprint: null,
  recentlyEnded: [],
};

const RECENTLY_ENDED = 200;

/**
 * The longest wait between two looks at a job waiting to be re-run: GitHub re-runs it
 * only once its whole run has completed, which may take hours, and each look costs a
 * request or two against the installation's rate limit.
 */
const RERUN_MAX_WAIT_MS = 5 * 60_000;

type RecordedState = PoolSnapshot["liveInstances"][number]["state"];

const fromRecord: Record<RecordedState, PoolInstanceState | null> = {
  pending: "starting",
  registering: "starting",
  idle: "idle",
  busy: "busy",
  terminating: "retiring",
  terminated: null,
  failed: null,
};

export class RunnerPoolBook {
  private readonly queued: Set<number>;
  private readonly instances: Map<string, PoolInstanceRecord>;
  private readonly recentlyEnded: string[];
  private readonly reruns: Map<number, PendingRerun>;
  private failures: StartFailures;
  private haltedFingerprint: string | null;
  private timings: RunnerTimings;
  private fingerprint: string | null = null;
  /** Status changes to write: failed starts halted the pool, or it works again. */
  readonly notices = { halt: false, healthy: false };
  /** Instances to tell which job GitHub started on them. */
  readonly assignments: { name: string; jobId: number }[] = [];

  constructor(state: RunnerPoolState) {
    this.queued = new Set(state.queuedJobIds);
    this.instances = new Map(state.instances.map((instance) => [instance.name, instance]));
    this.recentlyEnded = [...state.recentlyEnded];
    this.reruns = new Map((state.reruns ?? []).map((rerun) => [rerun.jobId, rerun]));
    this.failures = state.failures;
    this.haltedFingerprint = state.haltedFingerprint;
    this.timings = state.timings ?? defaultRunnerTimings;
  }

  get currentTimings(): RunnerTimings {
    return this.timings;
  }

  get currentFailures(): StartFailures {
    return this.failures;
  }

  get size(): number {
    return this.instances.size;
  }

  names(): string[] {
    return [...this.instances.keys()];
  }

  queuedJobIds(): number[] {
    return [...this.queued];
  }

  demand(demand: PoolDemand, nowMs: number): void {
    switch (demand.kind) {
      case "queued":
        this.queued.add(demand.jobId);
        return;
      case "started": {
        // The job left the queue, whichever runner took it. If it was one of ours, that
        // instance is busy from now on; the job it was started "for" stays counted.
        this.queued.delete(demand.jobId);
        const name = demand.runnerName;
        if (name !== null && this.instances.has(name)) {
          this.set(name, "busy", nowMs);
          this.assignments.push({ name, jobId: demand.jobId });
        }
        return;
      }
      case "finished":
        this.queued.delete(demand.jobId);
        return;
      default: {
        const unknown: never = demand.kind;
        throw new Error(`unknown demand ${String(unknown)}`);
      }
    }
  }

  report(message: InstanceReport, nowMs: number): void {
    switch (message.event) {
      case "idle": {
        const known = this.instances.get(message.name);
        // A retiring or busy instance's late "idle" changes nothing.
        if (known === undefined || known.state === "starting") {
          this.set(message.name, "idle", nowMs);
        }
        return;
      }
      case "busy": {
        const known = this.instances.get(message.name);
        if (message.jobId !== null || known === undefined) this.set(message.name, "busy", nowMs);
        else if (known.state !== "busy") {
          this.instances.set(message.name, {
            ...known,
            busyReportedAtMs: known.busyReportedAtMs ?? nowMs,
          });
        }
        return;
      }
      case "ended":
        this.forget(message.name);
        this.countOutcome(message.outcome, nowMs);
        return;
      default: {
        const unknown: never = message;
        throw new Error(`unknown instance report ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * Brings the book in line with what PostgreSQL says (lost reports, an earlier pool).
   * With `recordedProgress`, a runner the book still counts as starting whose record
   * shows it registered, or busy, counts as if its report had arrived: reports are
   * signals, which Temporal puts off while the pool is busy (for minutes in a burst),
   * and every starting runner counts against the cap on starting runners.
   */
  reconcile(snapshot: PoolSnapshot, nowMs: number, recordedProgress = false): void {
    this.timings = snapshot.timings;
    this.fingerprint = snapshot.fingerprint;
    this.reconcileReruns(snapshot.rerunJobIds ?? [], snapshot.draining, nowMs);
    for (const id of snapshot.settledJobIds) this.queued.delete(id);
    for (const name of snapshot.endedInstances) {
      if (this.instances.has(name)) this.forget(name);
    }
    const live = new Set(snapshot.liveInstances.map((row) => row.name));
    const patience = 2 * this.timings.bootstrapTimeoutMs + this.timings.reevaluateMs;
    const recorded = new Map(snapshot.liveInstances.map((row) => [row.name, row.state]));
    for (const [name, instance] of this.instances) {
      if (live.has(name)) {
        if (!instance.admitted) this.instances.set(name, { ...instance, admitted: true });
        if (recordedProgress && instance.state === "starting") {
          this.progressed(name, recorded.get(name), nowMs);
        }
      } else if (!instance.admitted && nowMs - instance.startedAtMs > patience) {
        // Never recorded long after it was started: its workflow is gone.
        this.forget(name);
      }
    }
    // Instances of an earlier pool (one terminated and started afresh) are adopted.
    for (const row of snapshot.liveInstances) {
      const state = fromRecord[row.state];
      if (state === null || this.instances.has(row.name)) continue;
      if (this.recentlyEnded.includes(row.name)) continue;
      this.instances.set(row.name, {
        name: row.name,
        state,
        startedAtMs: row.createdAtMs,
        idleSinceMs: state === "idle" ? (row.registeredAtMs ?? nowMs) : null,
        admitted: true,
        busyReportedAtMs: null,
      });
    }
    this.reviewHalt(snapshot);
  }

  /**
   * What planScale needs from the book. Runners whose own "busy" is past its grace
   * are counted busy; those still within it count as on their way (available, never
   * retired). Also returns when the earliest of those graces ends.
   */
  planInput(
    nowMs: number,
  ): Pick<ScaleInput, "queuedJobs" | "instances"> & { unadmitted: number; confirmAt: number[] } {
    const confirmAt: number[] = [];
    for (const [name, instance] of this.instances) {
      if (instance.busyReportedAtMs === null) continue;
      const at = instance.busyReportedAtMs + this.timings.busyReportGraceMs;
      if (at <= nowMs) this.set(name, "busy", nowMs);
      else confirmAt.push(at);
    }
    const all = [...this.instances.values()];
    return {
      queuedJobs: this.queued.size,
      instances: all.map((instance) =>
        instance.busyReportedAtMs === null
          ? instance
          : { ...instance, state: "starting" as const, idleSinceMs: null },
      ),
      unadmitted: all.filter((instance) => !instance.admitted).length,
      confirmAt,
    };
  }

  /** Jobs waiting to be re-run that are due for a look now. */
  dueReruns(nowMs: number): number[] {
    return [...this.reruns.values()].filter((r) => r.dueAtMs <= nowMs).map((r) => r.jobId);
  }

  /** The next look at a job waiting to be re-run; null when none waits. */
  nextRerunAtMs(): number | null {
    const due = [...this.reruns.values()].map((r) => r.dueAtMs);
    return due.length === 0 ? null : Math.min(...due);
  }

  get pendingReruns(): number {
    return this.reruns.size;
  }

  /**
   * A look at a waiting job found it still waiting (its run has not completed): the
   * next look comes after twice the last wait, from the pool's interval up to
   * RERUN_MAX_WAIT_MS. Any other answer settles it.
   */
  rerunChecked(jobId: number, stillWaiting: boolean, nowMs: number): void {
    const known = this.reruns.get(jobId);
    if (known === undefined) return;
    if (!stillWaiting) {
      this.reruns.delete(jobId);
      return;
    }
    const waitMs = Math.min(this.timings.reevaluateMs * 2 ** known.checks, RERUN_MAX_WAIT_MS);
    this.reruns.set(jobId, { jobId, dueAtMs: nowMs + waitMs, checks: known.checks + 1 });
  }

  startsAllowed(nowMs: number): boolean {
    return startsAllowed(this.failures, nowMs);
  }

  /** When backing off after a failed start ends; null when not backing off (or halted). */
  resumeAtMs(): number | null {
    return this.failures.halted ? null : this.failures.resumeAtMs;
  }

  started(name: string, nowMs: number): void {
    this.instances.set(name, {
      name,
      state: "starting",
      startedAtMs: nowMs,
      idleSinceMs: null,
      admitted: false,
      busyReportedAtMs: null,
    });
  }

  /** The child could not be started at all. */
  dropped(name: string): void {
    this.instances.delete(name);
  }

  retiring(name: string): boolean {
    const instance = this.instances.get(name);
    if (instance === undefined) return false;
    this.instances.set(name, { ...instance, state: "retiring", idleSinceMs: null });
    return true;
  }

  status(evaluations: number): PoolStatus {
    return {
      queuedJobIds: [...this.queued],
      instances: [...this.instances.values()].map(({ name, state, startedAtMs, idleSinceMs }) => ({
        name,
        state,
        startedAtMs,
        idleSinceMs,
      })),
      failures: this.failures,
      evaluations,
    };
  }

  toState(): RunnerPoolState {
    return {
      queuedJobIds: [...this.queued],
      instances: [...this.instances.values()],
      failures: this.failures,
      haltedFingerprint: this.haltedFingerprint,
      recentlyEnded: [...this.recentlyEnded],
      timings: this.timings,
      ...(this.reruns.size === 0 ? {} : { reruns: [...this.reruns.values()] }),
    };
  }

  /**
   * PostgreSQL says which of the configuration's lost jobs wait for a re-run: new ones
   * are looked at now, ones settled elsewhere are forgotten. A draining pool looks at
   * every one now (they are declined with the configuration).
   */
  private reconcileReruns(waiting: readonly number[], draining: boolean, nowMs: number): void {
    const current = new Set(waiting);
    for (const jobId of this.reruns.keys()) if (!current.has(jobId)) this.reruns.delete(jobId);
    for (const jobId of waiting) {
      const known = this.reruns.get(jobId);
      if (known === undefined) this.reruns.set(jobId, { jobId, dueAtMs: nowMs, checks: 0 });
      else if (draining) this.reruns.set(jobId, { ...known, dueAtMs: nowMs });
    }
  }

  /** What the report of a starting runner's recorded state would have done. */
  private progressed(name: string, state: RecordedState | undefined, nowMs: number): void {
    if (state === "idle") this.report({ name, event: "idle" }, nowMs);
    // Its job is not known here: counted as a runner that saw itself take a job.
    else if (state === "busy") this.report({ name, event: "busy", jobId: null }, nowMs);
  }

  private set(name: string, state: PoolInstanceState, nowMs: number): void {
    const known = this.instances.get(name);
    if (known === undefined && this.recentlyEnded.includes(name)) return;
    this.instances.set(name, {
      name,
      state,
      startedAtMs: known?.startedAtMs ?? nowMs,
      idleSinceMs: state === "idle" ? (known?.idleSinceMs ?? nowMs) : null,
      admitted: known?.admitted ?? false,
      busyReportedAtMs: state === "busy" ? null : (known?.busyReportedAtMs ?? null),
    });
  }

  private forget(name: string): void {
    this.instances.delete(name);
    this.recentlyEnded.push(name);
    if (this.recentlyEnded.length > RECENTLY_ENDED) this.recentlyEnded.shift();
  }

  private countOutcome(
    outcome: Extract<InstanceReport, { event: "ended" }>["outcome"],
    nowMs: number,
  ): void {
    if (outcome.kind === "failed-start") {
      const wasHalted = this.failures.halted;
      this.failures = recordFailedStart(this.failures, outcome.reason, nowMs, {
        baseMs: this.timings.startBackoffMs,
        maxFailedStarts: this.timings.maxFailedStarts,
      });
      if (this.failures.halted && !wasHalted) {
        this.notices.halt = true;
        this.haltedFingerprint = this.fingerprint;
      }
    } else if (provesStart(outcome)) {
      if (this.failures.consecutive > 0 || this.failures.halted) this.notices.healthy = true;
      this.failures = noStartFailures;
      this.haltedFingerprint = null;
    }
  }

  /**
   * A halted pool waits for a changed configuration, or for someone to clear the
   * error; a pool started afresh over a configuration in error is halted likewise. A
   * halt not yet written is not undone by a snapshot read before it was.
   */
  private reviewHalt(snapshot: PoolSnapshot): void {
    if (this.failures.halted) {
      if (this.notices.halt) return;
      if (snapshot.status !== "error" || snapshot.fingerprint !== this.haltedFingerprint) {
        this.failures = noStartFailures;
        this.haltedFingerprint = null;
        if (snapshot.status === "error") this.notices.healthy = true;
      }
    } else if (
      snapshot.status === "error" &&
      this.failures.consecutive === 0 &&
      !this.notices.healthy
    ) {
      this.failures = { ...noStartFailures, halted: true };
      this.haltedFingerprint = snapshot.fingerprint;
    }
  }
}
