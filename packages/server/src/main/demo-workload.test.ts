import { ManualClock, startSimulator, workloadOptionsProblems } from "@hangar/github-sim";
import { describe, expect, it } from "vitest";
import { createLogger } from "../observability/logger.js";
import { demoWorkloadOptions, startDemoWorkload } from "./demo-workload.js";

const runner = { name: "hangar-small", maxRunners: 5 };

describe("the steady demo workload", () => {
  it("is a valid workload capped at the demo configuration's maximum", () => {
    const options = demoWorkloadOptions("demo-org/web", runner, 3);
    expect(workloadOptionsProblems(options)).toEqual([]);
    expect(options).toMatchObject({
      maxInFlightJobs: 5,
      labelSets: [{ labels: ["hangar-small"] }],
      runsPerMinute: 3,
    });
  });

  it("queues demo runs on the simulator until stopped, and nothing when off", async () => {
    const sim = await startSimulator({ clock: new ManualClock() });
    try {
      await sim.control.createInstallation({
        account: { login: "demo-org", type: "Organization" },
        repositories: ["web"],
      });
      const logger = createLogger({ level: "fatal", pretty: false });
      const demo = { repository: "demo-org/web", runner };
      expect(startDemoWorkload(sim.control, { mode: "off" }, demo, logger)).toBeUndefined();
      const running = startDemoWorkload(
        sim.control,
        { mode: "steady", runsPerMinute: 600 },
        demo,
        logger,
      );
      expect(running).toBeDefined();
      // No runner takes the jobs, so the cap holds the workload at five unfinished jobs.
      await expect
        .poll(() => running?.counts().deferred ?? 0, { timeout: 20_000 })
        .toBeGreaterThan(0);
      await running?.stop();
      const jobs = await sim.control.jobs();
      expect(jobs.length).toBeGreaterThan(0);
      expect(jobs.every((job) => job.labels.join() === "hangar-small")).toBe(true);
      expect(running?.counts().jobsQueued).toBeLessThanOrEqual(5);
    } finally {
      await sim.close();
    }
  });
});
