import { describe, expect, it } from "vitest";
import { planScale } from "../domain/autoscale.js";
import { defaultRunnerTimings } from "../domain/runner-pool.js";
import type { PoolSnapshot } from "../activities/runner-pool.js";
import { RunnerPoolBook, initialPoolState } from "./runner-pool-book.js";

// The pool's bookkeeping without Temporal: what signals and snapshots do to the counts
// the autoscaler plans from.

const T0 = 1_000_000;
const timings = { ...defaultRunnerTimings, busyReportGraceMs: 10_000 };

function snapshot(overrides: Partial<PoolSnapshot> = {}): PoolSnapshot {
  return {
    exists: true,
    name: "hangar-4cpu",
    minIdle: 0,
    maxRunners: 10,
    status: "active",
    draining: false,
    unusable: null,
    fingerprint: "f1",
    headroom: 10,
    settledJobIds: [],
    liveInstances: [],
    endedInstances: [],
    timings,
    ...overrides,
  };
}

/** How many runners the pool would start now. */
function toCreate(book: RunnerPoolBook, nowMs: number): number {
  const counted = book.planInput(nowMs);
  return planScale({
    minIdle: 0,
    maxRunners: 10,
    queuedJobs: counted.queuedJobs,
    instances: counted.instances,
    quotaHeadroom: 10,
    mayCreate: true,
    maxStarting: 50,
    idleTimeoutMs: timings.idleTimeoutMs,
    nowMs,
  }).create;
}

function bookWithIdleRunner(): RunnerPoolBook {
  const book = new RunnerPoolBook(initialPoolState);
  book.reconcile(snapshot(), T0);
  book.started("r1", T0);
  book.report({ name: "r1", event: "idle" }, T0 + 1_000);
  return book;
}

describe("the runner pool's book", () => {
  it("counts a starting runner by its record when its report is late, if asked to", () => {
    const live = (state: "registering" | "idle" | "busy") =>
      snapshot({
        liveInstances: ["r1", "r2"].map((name) => ({
          name,
          state: name === "r1" ? state : "registering",
          createdAtMs: T0,
          registeredAtMs: state === "registering" ? null : T0 + 500,
        })),
      });
    const states = (book: RunnerPoolBook) =>
      book.status(0).instances.map((instance) => [instance.name, instance.state]);
    const started = () => {
      const book = new RunnerPoolBook(initialPoolState);
      book.started("r1", T0);
      book.started("r2", T0);
      return book;
    };

    // Without it (recorded histories), only reports move a runner on.
    const waiting = started();
    waiting.reconcile(live("idle"), T0 + 1_000);
    expect(states(waiting)).toEqual([
      ["r1", "starting"],
      ["r2", "starting"],
    ]);

    const registered = started();
    registered.reconcile(live("idle"), T0 + 1_000, true);
    expect(states(registered)).toEqual([
      ["r1", "idle"],
      ["r2", "starting"],
    ]);
    // The late report changes nothing more.
    registered.report({ name: "r1", event: "idle" }, T0 + 2_000);
    expect(registered.status(0).instances[0]).toMatchObject({
      state: "idle",
      idleSinceMs: T0 + 1_000,
    });

    // A recorded busy runner is one that saw itself take a job: counted as starting
    // (not idle, never retired) until its job's event names it or the grace runs out.
    const busy = started();
    busy.reconcile(live("busy"), T0 + 1_000, true);
    const counted = busy.planInput(T0 + 1_000);
    expect(counted.confirmAt).toEqual([T0 + 1_000 + timings.busyReportGraceMs]);
    busy.reconcile(live("busy"), T0 + 5_000, true);
    expect(busy.planInput(T0 + 5_000).confirmAt).toEqual([T0 + 1_000 + timings.busyReportGraceMs]);
    busy.reconcile(live("busy"), T0 + 1_000 + timings.busyReportGraceMs, true);
    const after = busy.planInput(T0 + 1_000 + timings.busyReportGraceMs);
    expect(after.instances.find((instance) => instance.name === "r1")?.state).toBe("busy");
  });

  it("does not start a runner too many when a runner sees its job before the job's event", () => {
    const book = bookWithIdleRunner();
    book.demand({ jobId: 1, kind: "queued", runnerName: null }, T0 + 2_000);
    book.demand({ jobId: 2, kind: "queued", runnerName: null }, T0 + 2_000);
    expect(toCreate(book, T0 + 2_000)).toBe(1);
    // r1 takes job 2 and says so before job 2's in_progress arrives.
    book.report({ name: "r1", event: "busy", jobId: null }, T0 + 3_000);
    expect(toCreate(book, T0 + 3_000)).toBe(1);
    book.demand({ jobId: 2, kind: "started", runnerName: "r1" }, T0 + 4_000);
    expect(book.assignments).toEqual([{ name: "r1", jobId: 2 }]);
    // Job 1 is still queued: it gets a runner of its own, nobody is stranded.
    expect(toCreate(book, T0 + 4_000)).toBe(1);
    expect(book.status(0).instances.map((i) => i.state)).toEqual(["busy"]);
  });

  it("counts a runner busy once its grace passes without an event naming it", () => {
    const book = bookWithIdleRunner();
    book.report({ name: "r1", event: "busy", jobId: null }, T0 + 2_000);
    expect(book.planInput(T0 + 5_000).confirmAt).toEqual([T0 + 12_000]);
    expect(book.planInput(T0 + 12_000).instances.map((i) => i.state)).toEqual(["busy"]);
  });

  it("halts after five failed starts and tries again when the configuration changes", () => {
    const book = new RunnerPoolBook(initialPoolState);
    book.reconcile(snapshot(), T0);
    for (let n = 1; n <= 5; n += 1) {
      book.started(`r${n}`, T0);
      book.report(
        { name: `r${n}`, event: "ended", outcome: { kind: "failed-start", reason: "no" } },
        T0 + n,
      );
    }
    expect(book.notices.halt).toBe(true);
    expect(book.startsAllowed(T0 + 3_600_000)).toBe(false);
    // Until the error is written, a snapshot read before it does not lift the halt.
    book.reconcile(snapshot(), T0 + 10);
    expect(book.currentFailures.halted).toBe(true);
    book.notices.halt = false;
    book.reconcile(snapshot({ status: "error" }), T0 + 20);
    expect(book.currentFailures.halted).toBe(true);
    book.reconcile(snapshot({ status: "error", fingerprint: "f2" }), T0 + 30);
    expect(book.currentFailures.halted).toBe(false);
    expect(book.notices.healthy).toBe(true);
    expect(book.startsAllowed(T0 + 30)).toBe(true);
  });

  it("stays halted when started afresh over a configuration in error", () => {
    const book = new RunnerPoolBook(initialPoolState);
    book.reconcile(snapshot({ status: "error" }), T0);
    expect(book.startsAllowed(T0)).toBe(false);
  });

  it("adopts live instances of an earlier pool and never revives ended ones", () => {
    const book = new RunnerPoolBook(initialPoolState);
    book.started("gone", T0);
    book.report({ name: "gone", event: "ended", outcome: { kind: "completed", jobId: 7 } }, T0 + 1);
    book.reconcile(
      snapshot({
        liveInstances: [
          { name: "gone", state: "busy", createdAtMs: T0, registeredAtMs: T0 },
          { name: "kept", state: "idle", createdAtMs: T0, registeredAtMs: T0 + 5 },
          { name: "booting", state: "registering", createdAtMs: T0, registeredAtMs: null },
        ],
      }),
      T0 + 10,
    );
    expect(book.status(0).instances).toEqual([
      { name: "kept", state: "idle", startedAtMs: T0, idleSinceMs: T0 + 5 },
      { name: "booting", state: "starting", startedAtMs: T0, idleSinceMs: null },
    ]);
    // The state carries over continue-as-new unchanged.
    const again = new RunnerPoolBook(book.toState());
    expect(again.status(0)).toEqual(book.status(0));
  });

  it("looks at jobs waiting for a re-run at once, then ever less often, and forgets settled ones", () => {
    const book = new RunnerPoolBook(initialPoolState);
    const every = timings.reevaluateMs;
    book.reconcile(snapshot({ rerunJobIds: [7, 8] }), T0);
    expect(book.dueReruns(T0)).toEqual([7, 8]);
    // Job 8 was re-run; job 7's run is still running: it is looked at again after 1, 2,
    // 4, … pool intervals, at most every 5 minutes.
    book.rerunChecked(8, false, T0);
    let at = T0;
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      book.rerunChecked(7, true, at);
      expect(book.dueReruns(at)).toEqual([]);
      const next = book.nextRerunAtMs()!;
      waits.push(next - at);
      at = next;
    }
    expect(waits).toEqual([every, 2 * every, 4 * every, 8 * every, 5 * 60_000, 5 * 60_000]);
    // Job 7 carries over continue-as-new; job 8 is no longer waiting in PostgreSQL either.
    const carried = new RunnerPoolBook(book.toState());
    expect(carried.pendingReruns).toBe(1);
    carried.reconcile(snapshot({ rerunJobIds: [7] }), at);
    expect(carried.dueReruns(at + 5 * 60_000)).toEqual([7]);
    // A deleted configuration's pool looks at once (it declines them), then may end.
    carried.reconcile(snapshot({ rerunJobIds: [7], draining: true }), at + 1);
    expect(carried.dueReruns(at + 1)).toEqual([7]);
    carried.reconcile(snapshot({ rerunJobIds: [] }), at + 2);
    expect(carried.pendingReruns).toBe(0);
    expect(carried.nextRerunAtMs()).toBeNull();
    expect(carried.toState().reruns).toBeUndefined();
  });
});
