import { startSimulator, type Simulator } from "@hangar/github-sim";
import { startReceiver } from "@hangar/github-sim/testing/receiver.js";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, queuedJob } from "../storage/test-fixtures.js";
import { skipRecordedIds } from "./demo-ids.js";

// A restarted `npm start` gets a simulator that counts its ids from the start again,
// over a database that kept the previous start's jobs. Here the earlier start is one
// simulator, this start another, and the database is real.

let t: TestDatabase;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const simulators: Simulator[] = [];

beforeAll(async () => {
  t = await testDatabase();
  receiver = await startReceiver();
});

afterAll(async () => {
  for (const sim of simulators) await sim.close();
  await receiver.close();
  await t.close();
});

async function simulatorWithDemoOrg() {
  const sim = await startSimulator();
  simulators.push(sim);
  const installation = await sim.control.createInstallation({
    account: { login: "demo-org", type: "Organization" },
    repositories: ["web"],
  });
  const repository = installation.repositories[0];
  if (repository === undefined) throw new Error("the installation has no repository");
  return { sim, installationId: installation.installationId, repository };
}

const queueRun = (sim: Simulator, jobs: number) =>
  sim.control.queueWorkflowRun({
    repository: "demo-org/web",
    jobs: Array.from({ length: jobs }, (_, i) => ({ name: `job-${i}`, labels: ["hangar-small"] })),
  });

describe("skipRecordedIds", () => {
  it("skips nothing when nothing is recorded", async () => {
    const { sim, installationId } = await simulatorWithDemoOrg();
    const skipped = await skipRecordedIds(sim, t.db, {
      installationId,
      repository: "demo-org/web",
      webhookUrl: receiver.url,
    });
    expect(skipped).toEqual({ jobs: 0, runs: 0, complete: true });
    expect(await sim.control.jobs()).toEqual([]);
  });

  it("moves a fresh simulator past the recorded ids, out of the receiver's sight", async () => {
    // The earlier start: its simulator handed out ids that Hangar recorded.
    const earlier = await simulatorWithDemoOrg();
    const tenant = await createTenant(t.db, {
      installationId: earlier.installationId,
      repository: earlier.repository,
    });
    const runs = [await queueRun(earlier.sim, 3), await queueRun(earlier.sim, 4)];
    for (const run of runs) {
      for (const jobId of run.jobIds) {
        await t.db
          .insertInto("jobs")
          .values(queuedJob(tenant, { github_job_id: jobId, github_run_id: run.runId }))
          .execute();
      }
    }
    // A run whose jobs were not recorded still took its id.
    const lastRun = await queueRun(earlier.sim, 1);
    await t.db
      .insertInto("workflow_runs")
      .values({
        github_run_id: lastRun.runId,
        run_attempt: 1,
        github_repository_id: tenant.repositoryId,
        installation_id: tenant.installationId,
        head_sha: "4f9d6c1e0b3a2d5c8e7f6a9b0c1d2e3f4a5b6c7d",
        event: "push",
        status: "queued",
        github_created_at: "2026-03-01T12:00:00Z",
        github_updated_at: "2026-03-01T12:00:00Z",
      })
      .execute();

    // This start: the same installation id, ids counted from the start again.
    const now = await simulatorWithDemoOrg();
    expect(now.installationId).toBe(earlier.installationId);
    await now.sim.control.setWebhookUrl(receiver.url);
    await now.sim.control.drainDeliveries();
    const seenBefore = receiver.received.length;

    const skipped = await skipRecordedIds(now.sim, t.db, {
      installationId: now.installationId,
      repository: "demo-org/web",
      webhookUrl: receiver.url,
    });
    expect(skipped.complete).toBe(true);
    expect(skipped.jobs).toBeGreaterThanOrEqual(7);
    expect(skipped.runs).toBeGreaterThanOrEqual(3);

    const next = await queueRun(now.sim, 2);
    const recordedJobs = runs.flatMap((run) => run.jobIds);
    expect(Math.min(...next.jobIds)).toBeGreaterThan(Math.max(...recordedJobs));
    expect(next.runId).toBeGreaterThan(lastRun.runId);

    // The throwaway runs never reached the receiver, were accepted by the sink (so
    // they are never redelivered), and were cancelled; the next run's events arrive.
    await now.sim.control.drainDeliveries();
    const seen = receiver.received.slice(seenBefore);
    expect(seen.length).toBeGreaterThan(0);
    for (const delivery of seen) {
      expect(delivery.body.toString("utf8")).not.toContain("hangar-demo-skipped-id");
    }
    const deliveries = await now.sim.control.deliveries();
    expect(deliveries.filter((d) => d.status !== "delivered")).toEqual([]);
    const skippedJobs = (await now.sim.control.jobs()).filter(
      (job) => !next.jobIds.includes(job.id),
    );
    expect(skippedJobs).toHaveLength(skipped.jobs);
    expect(skippedJobs.every((job) => job.conclusion === "cancelled")).toBe(true);
  });
});
