import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { createSimulatorClient } from "../control-client.js";
import type { SimulatorControl } from "../control/types.js";
import { startSimulator, type Simulator } from "../simulator.js";
import { startWorkload, type WorkloadDriverOptions } from "./driver.js";

// No runners connect here, so every job stays queued until the test cancels it:
// what is in flight is entirely up to the test.

async function eventually(check: () => Promise<void> | void, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe("the workload driver", () => {
  let sim: Simulator;
  let control: SimulatorControl;

  beforeAll(async () => {
    sim = await startSimulator({ clock: new ManualClock() });
    control = createSimulatorClient(sim.url);
    for (const login of ["rate", "cap", "broken"]) {
      await control.createInstallation({
        account: { login, type: "Organization" },
        repositories: ["web", "api"],
      });
    }
  });
  afterAll(async () => {
    await sim.close();
  });

  const options = (change: Partial<WorkloadDriverOptions>): WorkloadDriverOptions => ({
    repositories: ["rate/web"],
    jobsPerRun: 2,
    labelSets: [{ labels: ["hangar-small"], weight: 1 }],
    durations: { minMs: 1_000, maxMs: 5_000 },
    failureRate: 0,
    cancelRate: 0,
    // A run every 50 ms on average: fast enough for a test, still one timer at a time.
    runsPerMinute: 1_200,
    ...change,
  });

  it("queues the runs asked for over the control API and counts them by label set", async () => {
    const workload = startWorkload(
      control,
      options({
        repositories: ["rate/web", "rate/api"],
        maxRuns: 6,
        shape: "pipeline",
        jobsPerRun: 3,
        labelSets: [
          { labels: ["small"], weight: 1 },
          { labels: ["gpu", "large"], weight: 1 },
        ],
      }),
    );
    await workload.done;
    const runs = workload.runs();
    expect(runs).toHaveLength(6);
    const counts = workload.counts();
    expect(counts).toMatchObject({ runsQueued: 6, jobsQueued: 18, errors: 0, deferred: 0 });
    expect(Object.values(counts.jobsByLabelSet).reduce((a, b) => a + b, 0)).toBe(18);
    // Tests wait on build, so only build and lint of each run exist yet.
    const jobs = (await control.jobs()).filter((job) => runs.some((r) => r.runId === job.runId));
    expect(jobs.map((job) => job.name).sort()).toEqual(
      [...Array<string>(6).fill("build"), ...Array<string>(6).fill("lint")].sort(),
    );
    expect(new Set(jobs.map((job) => job.repository))).toEqual(new Set(["rate/web", "rate/api"]));
    await workload.stop();
  });

  it("holds runs back while the jobs in flight are at the cap, and goes on as they complete", async () => {
    const workload = startWorkload(
      control,
      options({ repositories: ["cap/web"], maxInFlightJobs: 5, recheckMs: 50 }),
    );
    const open = async () =>
      (await control.jobs()).filter((j) => j.repository === "cap/web" && j.status !== "completed");
    // Two runs of two jobs fit under five; a third would not.
    await eventually(() => {
      expect(workload.counts().deferred).toBeGreaterThan(2);
    });
    expect(workload.counts()).toMatchObject({ runsQueued: 2, jobsQueued: 4, inFlightJobs: 4 });
    expect(await open()).toHaveLength(4);

    await control.cancelRun(workload.runs()[0]!.runId);
    await eventually(() => {
      expect(workload.counts().runsQueued).toBe(3);
    });
    for (const run of workload.runs()) await control.cancelRun(run.runId);
    await eventually(() => {
      expect(workload.counts().runsQueued).toBeGreaterThanOrEqual(5);
    });
    await workload.stop();
    expect((await open()).length).toBeLessThanOrEqual(5);

    // Stopped means stopped: nothing more is queued, however long it is left.
    const after = workload.counts().runsQueued;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(workload.counts().runsQueued).toBe(after);
    expect(
      new Set((await control.jobs()).filter((j) => j.repository === "cap/web").map((j) => j.runId))
        .size,
    ).toBe(after);
  });

  it("counts runs the simulator refuses and carries on", async () => {
    const errors: unknown[] = [];
    const workload = startWorkload(
      control,
      options({ repositories: ["broken/nowhere"], maxRuns: 3, onError: (e) => errors.push(e) }),
    );
    await workload.done;
    expect(workload.counts()).toMatchObject({ runsQueued: 0, errors: 3 });
    expect(errors).toHaveLength(3);
    expect(String(errors[0])).toContain("404");
  });

  it("refuses options that make no sense before queuing anything", () => {
    expect(() => startWorkload(control, options({ runsPerMinute: 0 }))).toThrow(
      "runs per minute must be positive",
    );
  });
});
