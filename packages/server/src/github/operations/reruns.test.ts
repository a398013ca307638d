import { afterEach, describe, expect, it } from "vitest";
import {
  orgInstallation,
  simulatedGitHub,
  statuses,
  type SimulatedGitHub,
} from "../test-fixtures.js";

// Re-running a job against the GitHub simulator: refusals are values, and the re-run
// spends the endpoint budget of a POST like every other write.

let github: SimulatedGitHub | undefined;
afterEach(async () => {
  await github?.close();
  github = undefined;
});

async function setup() {
  github = await simulatedGitHub();
  const installationId = await orgInstallation(github, "acme");
  return { sim: github.sim, installation: github.app.installation(installationId) };
}

describe("getRun and rerunJob", () => {
  it("answers run-in-progress until the run completes, then re-runs the job as a new attempt", async () => {
    const { sim, installation } = await setup();
    const queued = await sim.control.queueWorkflowRun({
      repository: "acme/app",
      jobs: [
        { name: "a", labels: ["hangar"] },
        { name: "b", labels: ["hangar"] },
      ],
    });
    const [a, b] = queued.jobIds as [number, number];
    await sim.control.cancelJob(a);
    expect(await installation.getRun("acme", "app", queued.runId)).toEqual({
      id: queued.runId,
      runAttempt: 1,
      status: "queued",
      conclusion: null,
    });
    expect(await installation.rerunJob("acme", "app", a)).toEqual({ kind: "run-in-progress" });

    await sim.control.cancelJob(b);
    expect(await installation.getRun("acme", "app", queued.runId)).toMatchObject({
      status: "completed",
      conclusion: "cancelled",
    });
    expect(await installation.rerunJob("acme", "app", a, { enableDebugLogging: false })).toEqual({
      kind: "rerun",
    });
    expect(await installation.getRun("acme", "app", queued.runId)).toMatchObject({
      runAttempt: 2,
      status: "queued",
    });
    const latest = await installation.listRunJobs("acme", "app", queued.runId);
    expect(latest.map((job) => [job.name, job.runAttempt, job.status])).toEqual([
      ["b", 2, "completed"],
      ["a", 2, "queued"],
    ]);
    expect(
      await installation.listRunJobs("acme", "app", queued.runId, { attempt: 1 }),
    ).toHaveLength(2);
    expect(statuses(github!, /\/rerun$/)).toEqual([403, 201]);
    // A write against the endpoint's budget, like every other POST.
    const endpoint = "POST /repos/{owner}/{repo}/actions/jobs/{job_id}/rerun";
    expect(github!.app.rateLimitSnapshot().endpoints[endpoint]?.pointsUsed).toBe(10);
  });

  it("returns GitHub's reason when it will not re-run a job", async () => {
    const { sim, installation } = await setup();
    const queued = await sim.control.queueWorkflowRun({
      repository: "acme/app",
      jobs: [{ name: "a", labels: ["hangar"] }],
    });
    const [a] = queued.jobIds as [number];
    await sim.control.cancelJob(a);
    expect(await installation.rerunJob("acme", "app", a)).toEqual({ kind: "rerun" });
    await sim.control.cancelRun(queued.runId);
    // The first attempt's job is no longer the latest.
    expect(await installation.rerunJob("acme", "app", a)).toEqual({
      kind: "refused",
      message: expect.stringMatching(/403 Only jobs of the latest attempt/) as unknown,
    });
    expect(await installation.rerunJob("acme", "app", 1)).toEqual({
      kind: "refused",
      message: expect.stringMatching(/404/) as unknown,
    });
    await expect(installation.getRun("acme", "app", 1)).rejects.toThrow(/404/);
  });
});
