import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { startSimulator, type Simulator } from "./simulator.js";
import { startReceiver } from "./testing/receiver.js";
import { api, installationToken } from "./testing/rest.js";

// GitHub's "Re-run a job from a workflow run": refused while the run has unfinished
// jobs, then a new attempt of the same run in which the job and the jobs that need it
// run again under new ids, the others carried over with their results.

type RestJob = {
  id: number;
  name: string;
  run_attempt: number;
  status: string;
  conclusion: string | null;
};

describe("re-running a job", () => {
  let clock: ManualClock;
  let sim: Simulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let token: string;

  beforeEach(async () => {
    clock = new ManualClock();
    receiver = await startReceiver();
    sim = await startSimulator({ clock, webhookUrl: receiver.url });
    const { installationId } = await sim.control.createInstallation({
      account: { login: "acme", type: "Organization" },
      repositories: ["web"],
    });
    token = await installationToken(sim, installationId, clock.now());
  });
  afterEach(async () => {
    await sim.close();
    await receiver.close();
  });

  const runner = async (name: string) => {
    const res = await api(sim, "POST", "/orgs/acme/actions/runners/generate-jitconfig", {
      token,
      body: { name, runner_group_id: 1, labels: ["hangar"] },
    });
    expect(res.status).toBe(201);
    await sim.control.connectRunner(name);
  };
  const rerun = (jobId: number) =>
    api(sim, "POST", `/repos/acme/web/actions/jobs/${jobId}/rerun`, { token });
  const runJobs = async (runId: number, filter?: "all") =>
    (
      (
        await api(
          sim,
          "GET",
          `/repos/acme/web/actions/runs/${runId}/jobs${filter ? "?filter=all" : ""}`,
          { token },
        )
      ).body as { jobs: RestJob[] }
    ).jobs.map(({ id, name, run_attempt, status, conclusion }) => ({
      id,
      name,
      run_attempt,
      status,
      conclusion,
    }));
  const events = async () => {
    await sim.control.drainDeliveries();
    return receiver.received.map((r) => {
      const body = JSON.parse(r.body.toString("utf8")) as {
        workflow_job?: { name: string; run_attempt: number };
        workflow_run?: { run_attempt: number };
      };
      const detail = body.workflow_job
        ? `${body.workflow_job.name}#${body.workflow_job.run_attempt}`
        : `#${body.workflow_run?.run_attempt ?? "?"}`;
      return `${r.event}.${r.action ?? ""} ${detail}`;
    });
  };

  it("waits for the run to complete, then runs the job and its dependents as a new attempt", async () => {
    const queued = await sim.control.queueWorkflowRun({
      repository: "acme/web",
      jobs: [
        { name: "build", labels: ["hangar"], durationMs: 30_000 },
        { name: "lint", labels: ["hangar"], durationMs: 60_000 },
        { name: "test", labels: ["hangar"], durationMs: 30_000, needs: ["build"] },
        { name: "deploy", labels: ["hangar"], durationMs: 30_000, needs: ["test"] },
      ],
    });
    // Jobs that need others are not queued (nor given ids) yet.
    expect(queued.jobIds).toHaveLength(2);
    const [build, lint] = queued.jobIds as [number, number];
    await runner("r1");
    await runner("r2");
    // The runner running build is lost: the job fails, and the jobs that need it are skipped.
    await sim.control.disconnectRunner("r1");
    expect((await runJobs(queued.runId)).map((j) => [j.name, j.status, j.conclusion])).toEqual([
      ["build", "completed", "failure"],
      ["lint", "in_progress", null],
      ["test", "completed", "skipped"],
      ["deploy", "completed", "skipped"],
    ]);

    // lint still runs: GitHub refuses to re-run any job of the run.
    const early = await rerun(build);
    expect(early.status).toBe(403);
    expect(early.body).toMatchObject({ message: "This workflow is already running" });

    clock.advance(60_000);
    await sim.control.tick();
    const completed = await api(sim, "GET", `/repos/acme/web/actions/runs/${queued.runId}`, {
      token,
    });
    expect(completed.body).toMatchObject({
      status: "completed",
      conclusion: "failure",
      run_attempt: 1,
    });
    const before = (await events()).length;

    const accepted = await rerun(build);
    expect(accepted).toMatchObject({ status: 201, body: {} });
    const run = await api(sim, "GET", `/repos/acme/web/actions/runs/${queued.runId}`, { token });
    expect(run.body).toMatchObject({
      id: queued.runId,
      run_attempt: 2,
      status: "queued",
      conclusion: null,
      previous_attempt_url: expect.stringMatching(/\/actions\/runs\/\d+\/attempts\/1$/) as unknown,
    });
    // The new attempt: lint carried over as it ended, build queued again under a new id;
    // test and deploy wait for it.
    const latest = await runJobs(queued.runId);
    expect(latest.map((j) => [j.name, j.run_attempt, j.status, j.conclusion])).toEqual([
      ["lint", 2, "completed", "success"],
      ["build", 2, "queued", null],
    ]);
    expect(latest.map((j) => j.id)).not.toContain(lint);
    expect(latest.map((j) => j.id)).not.toContain(build);
    expect(await runJobs(queued.runId, "all")).toHaveLength(6);
    // Only what runs again is announced.
    expect((await events()).slice(before)).toEqual([
      "workflow_run.requested #2",
      "workflow_job.queued build#2",
    ]);

    // A job of the earlier attempt cannot be re-run any more.
    expect((await rerun(lint)).status).toBe(403);

    await runner("r3");
    for (let i = 0; i < 3; i++) {
      clock.advance(30_000);
      await sim.control.tick();
      await runner(`next-${i}`);
    }
    const final = await runJobs(queued.runId);
    expect(final.map((j) => [j.name, j.conclusion])).toEqual([
      ["lint", "success"],
      ["build", "success"],
      ["test", "success"],
      ["deploy", "success"],
    ]);
    const done = await api(sim, "GET", `/repos/acme/web/actions/runs/${queued.runId}`, { token });
    expect(done.body).toMatchObject({ status: "completed", conclusion: "success", run_attempt: 2 });
  });

  it("needs the Actions write permission and a job of the installation's repositories", async () => {
    const queued = await sim.control.queueWorkflowRun({
      repository: "acme/web",
      jobs: [{ name: "build", labels: ["hangar"] }],
    });
    await sim.control.cancelRun(queued.runId);
    expect((await rerun(99)).status).toBe(404);
    const { installationId } = await sim.control.createInstallation({
      account: { login: "other", type: "Organization" },
      repositories: ["web"],
    });
    const otherToken = await installationToken(sim, installationId, clock.now());
    const elsewhere = await api(
      sim,
      "POST",
      `/repos/acme/web/actions/jobs/${queued.jobIds[0]!}/rerun`,
      {
        token: otherToken,
      },
    );
    expect(elsewhere.status).toBe(404);
    const badBody = await api(
      sim,
      "POST",
      `/repos/acme/web/actions/jobs/${queued.jobIds[0]!}/rerun`,
      {
        token,
        body: { enable_debug_logging: "yes" },
      },
    );
    expect(badBody.status).toBe(422);
    const ok = await api(sim, "POST", `/repos/acme/web/actions/jobs/${queued.jobIds[0]!}/rerun`, {
      token,
      body: { enable_debug_logging: true },
    });
    expect(ok.status).toBe(201);
  });
});
