import { describe, expect, it } from "vitest";
import {
  haltMessage,
  noStartFailures,
  planScale,
  quotaHeadroom,
  quotaShortfall,
  recordFailedStart,
  startBackoffMs,
  startsAllowed,
  type PoolInstance,
  type PoolInstanceState,
  type ScaleInput,
  type WorkspaceCapacity,
} from "./autoscale.js";
import { jitRunnerLabels, runnerInstanceName } from "./runner-instance.js";

const NOW = 1_000_000;
const MIN = 60_000;

/** `idle:3` = an idle runner started 3 minutes ago and idle since then. */
function instances(...specs: string[]): PoolInstance[] {
  return specs.map((spec, i) => {
    const [state = "idle", ageMinutes = "1"] = spec.split(":");
    const startedAtMs = NOW - Number(ageMinutes) * MIN;
    return {
      name: `r-${i}`,
      state: state as PoolInstanceState,
      startedAtMs,
      idleSinceMs: state === "idle" ? startedAtMs : null,
    };
  });
}

const base: ScaleInput = {
  minIdle: 0,
  maxRunners: 10,
  queuedJobs: 0,
  instances: [],
  quotaHeadroom: 100,
  mayCreate: true,
  maxStarting: 50,
  idleTimeoutMs: 5 * MIN,
  nowMs: NOW,
};

describe("planScale", () => {
  it.each([
    // what, input, desired, create, retire, limitedBy
    ["nothing queued, no minimum: nothing", {}, 0, 0, [], null],
    ["three jobs queued: three runners", { queuedJobs: 3 }, 3, 3, [], null],
    ["minimum of two idle", { minIdle: 2 }, 2, 2, [], null],
    ["minimum plus demand", { minIdle: 2, queuedJobs: 3 }, 5, 5, [], null],
    [
      "runners on their way count",
      { queuedJobs: 3, instances: instances("starting", "idle:0") },
      3,
      1,
      [],
      null,
    ],
    [
      "busy runners do not serve the queue",
      { queuedJobs: 2, instances: instances("busy", "busy") },
      2,
      2,
      [],
      null,
    ],
    [
      // Job B took the runner started for A: B is no longer queued, the runner is busy,
      // and A is still queued, so one more runner is wanted. Nothing is stranded.
      "a runner started for A taken by B: A still gets one",
      { queuedJobs: 1, instances: instances("busy") },
      1,
      1,
      [],
      null,
    ],
    [
      "maxRunners caps the total, busy included",
      { queuedJobs: 20, instances: instances("busy", "busy", "busy") },
      7,
      7,
      [],
      "max-runners",
    ],
    [
      "retiring runners still hold pods",
      { queuedJobs: 20, maxRunners: 4, instances: instances("retiring", "busy") },
      2,
      2,
      [],
      "max-runners",
    ],
    ["quota allows fewer", { queuedJobs: 5, quotaHeadroom: 2 }, 5, 2, [], "quota"],
    ["quota exhausted", { queuedJobs: 5, quotaHeadroom: 0 }, 5, 0, [], "quota"],
    ["backing off: none now", { queuedJobs: 5, mayCreate: false }, 5, 0, [], "paused"],
    [
      "starting cap",
      { queuedJobs: 5, maxStarting: 3, instances: instances("starting") },
      5,
      2,
      [],
      "starting-cap",
    ],
    [
      "scale to zero: idle past the timeout is retired",
      { instances: instances("idle:6", "idle:7") },
      0,
      0,
      ["r-1", "r-0"],
      null,
    ],
    ["surplus idle within the timeout is kept", { instances: instances("idle:2") }, 0, 0, [], null],
    [
      "the minimum is never retired",
      { minIdle: 2, instances: instances("idle:30", "idle:40") },
      2,
      0,
      [],
      null,
    ],
    [
      "retire oldest idle first",
      { minIdle: 1, instances: instances("idle:6", "idle:20", "idle:9") },
      1,
      0,
      ["r-1", "r-2"],
      null,
    ],
    ["starting runners are never retired", { instances: instances("starting:20") }, 0, 0, [], null],
    ["busy runners are never retired", { instances: instances("busy:20") }, 0, 0, [], null],
    ["minIdle above maxRunners is capped", { minIdle: 5, maxRunners: 3 }, 3, 3, [], "max-runners"],
  ] as const)("%s", (_what, overrides, desired, create, retire, limitedBy) => {
    const plan = planScale({ ...base, ...overrides });
    expect(plan).toMatchObject({ desired, create, limitedBy });
    expect(plan.retire).toEqual(retire);
  });

  it("says when the next surplus runner reaches its idle timeout", () => {
    const plan = planScale({ ...base, instances: instances("idle:2", "idle:4") });
    expect(plan.retire).toEqual([]);
    expect(plan.nextRetirementAtMs).toBe(NOW + MIN);
  });

  it("keeps a burst's surplus only until its idle timeout, then the minimum stays", () => {
    // A burst of 6 jobs on minIdle 2: 8 runners, 6 taken, 2 left.
    const during = planScale({ ...base, minIdle: 2, queuedJobs: 6 });
    expect(during.create).toBe(8);
    const after = planScale({ ...base, minIdle: 2, instances: instances("idle:9", "idle:8") });
    expect(after).toMatchObject({ desired: 2, create: 0, retire: [] });
  });
});

describe("quota", () => {
  const capacity: WorkspaceCapacity = {
    maxRunners: 20,
    maxCpuMillis: 32_000,
    maxMemoryMib: 131_072,
    maxGpus: 1,
    usedRunners: 2,
    usedCpuMillis: 8_000,
    usedMemoryMib: 32_768,
    usedGpus: 0,
  };

  it.each([
    ["CPU binds", { cpuMillis: 4_000, memoryMib: 16_384, gpus: 0 }, 6],
    ["memory binds", { cpuMillis: 1_000, memoryMib: 49_152, gpus: 0 }, 2],
    ["runner count binds", { cpuMillis: 100, memoryMib: 128, gpus: 0 }, 18],
    ["GPUs bind", { cpuMillis: 1_000, memoryMib: 1_024, gpus: 1 }, 1],
    ["too big for the plan", { cpuMillis: 40_000, memoryMib: 1_024, gpus: 0 }, 0],
  ] as const)("%s", (_what, size, expected) => {
    expect(quotaHeadroom(capacity, size)).toBe(expected);
  });

  it("names the limit one more instance would break", () => {
    const full = { ...capacity, usedCpuMillis: 30_000 };
    expect(quotaShortfall(full, { cpuMillis: 4_000, memoryMib: 1, gpus: 0 })).toBe(
      "the workspace's plan allows 32000m of CPU; 30000m in use and 4000m more needed",
    );
    expect(quotaShortfall(capacity, { cpuMillis: 4_000, memoryMib: 1, gpus: 0 })).toBeNull();
  });
});

describe("failed starts", () => {
  const backoff = { baseMs: 5_000, maxFailedStarts: 5 };

  it("backs off 5, 10, 20, 40, 80 s", () => {
    expect([1, 2, 3, 4, 5].map((n) => startBackoffMs(n, 5_000))).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000,
    ]);
  });

  it("waits out each backoff and halts after five in a row", () => {
    let failures = noStartFailures;
    for (let n = 1; n <= 4; n += 1) {
      failures = recordFailedStart(failures, `pod failed ${n}`, NOW, backoff);
      expect(failures.halted).toBe(false);
      expect(startsAllowed(failures, NOW)).toBe(false);
      expect(startsAllowed(failures, NOW + startBackoffMs(n, 5_000))).toBe(true);
    }
    failures = recordFailedStart(failures, "pod failed 5", NOW, backoff);
    expect(failures).toMatchObject({ consecutive: 5, halted: true, lastReason: "pod failed 5" });
    expect(startsAllowed(failures, NOW + 10 * MIN)).toBe(false);
    expect(haltMessage(failures)).toBe(
      "5 runners in a row failed to start; the last: pod failed 5. No more are started until the configuration changes.",
    );
  });
});

describe("runner instances", () => {
  it("are named after their configuration, within 63 characters", () => {
    const uuid = "3f2a9c4e-1b7d-4e8a-9c0f-5d6e7f8a9b0c";
    expect(runnerInstanceName("hangar-4cpu", uuid)).toBe("hangar-4cpu-3f2a9c4e1b7d");
    const long = `${"a".repeat(49)}-${"b".repeat(13)}`;
    const name = runnerInstanceName(long, uuid);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
    expect(name).toBe(`${"a".repeat(49)}-3f2a9c4e1b7d`);
  });

  it("register with the configuration's labels and the controller label", () => {
    expect(jitRunnerLabels({ name: "hangar-4cpu", labels: ["gpu", "hangar-4cpu"] })).toEqual([
      "hangar-4cpu",
      "gpu",
      "hangar-managed",
    ]);
    const full = Array.from({ length: 99 }, (_, i) => `l${i}`);
    expect(jitRunnerLabels({ name: "x", labels: full })).toHaveLength(100);
  });
});
