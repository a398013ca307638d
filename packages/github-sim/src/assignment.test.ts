import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { startSimulator, type Simulator } from "./simulator.js";
import { startReceiver } from "./testing/receiver.js";
import { api, installationToken } from "./testing/rest.js";

describe("GitHub's job assignment", () => {
  let clock: ManualClock;
  let sim: Simulator;
  let token: string;

  beforeEach(async () => {
    clock = new ManualClock();
    sim = await startSimulator({ clock });
    const { installationId } = await sim.control.createInstallation({
      account: { login: "acme", type: "Organization" },
      repositories: ["web"],
    });
    token = await installationToken(sim, installationId, clock.now());
  });
  afterEach(async () => sim.close());

  const register = async (name: string, labels: string[]) => {
    const res = await api(sim, "POST", "/orgs/acme/actions/runners/generate-jitconfig", {
      token,
      body: { name, runner_group_id: 1, labels },
    });
    expect(res.status).toBe(201);
  };
  const job = async (id: number) => (await sim.control.jobs()).find((j) => j.id === id)!;
  const queue = async (labels: string[], durationMs = 30_000) =>
    (
      await sim.control.queueWorkflowRun({
        repository: "acme/web",
        jobs: [{ name: "build", labels, durationMs }],
      })
    ).jobIds[0]!;

  it("gives a job to a runner with a superset of its labels, compared case-insensitively", async () => {
    await register("big", ["hangar-4cpu", "GPU"]);
    await sim.control.connectRunner("big");
    const id = await queue(["Self-Hosted", "HANGAR-4cpu"]);
    expect(await job(id)).toMatchObject({
      status: "in_progress",
      runnerName: "big",
      runnerGroupId: 1,
      runnerGroupName: "Default",
    });
    const [runner] = await sim.control.runners("acme");
    expect(runner).toMatchObject({ busy: true, status: "online" });
  });

  it("leaves a job queued when the only runner lacks one of its labels", async () => {
    await register("small", ["hangar-2cpu"]);
    await sim.control.connectRunner("small");
    const id = await queue(["self-hosted", "hangar-2cpu", "gpu"]);
    await sim.control.tick();
    expect(await job(id)).toMatchObject({ status: "queued", runnerId: null });
  });

  it("never gives work to an offline runner (JIT runners start offline)", async () => {
    await register("sleepy", ["x"]);
    const id = await queue(["x"]);
    expect((await job(id)).status).toBe("queued");
    await sim.control.connectRunner("sleepy");
    expect((await job(id)).status).toBe("in_progress");
  });

  it("takes a job back from a runner that does not start it within 60 s and gives it to another", async () => {
    await register("held", ["x"]);
    await sim.control.holdRunner("held");
    await sim.control.connectRunner("held");
    const id = await queue(["x"]);
    expect((await job(id)).status).toBe("queued");
    expect((await sim.control.runners("acme"))[0]).toMatchObject({ name: "held", busy: true });
    await register("spare", ["x"]);
    await sim.control.connectRunner("spare");
    expect((await job(id)).status).toBe("queued");
    clock.advance(59_000);
    await sim.control.tick();
    expect((await job(id)).status).toBe("queued");
    clock.advance(1_000);
    await sim.control.tick();
    expect(await job(id)).toMatchObject({ status: "in_progress", runnerName: "spare" });
  });

  it("completes after durationMs, removes the ephemeral runner, and fails jobs queued a day", async () => {
    await register("r", ["x"]);
    await sim.control.connectRunner("r");
    const done = await queue(["x"], 5_000);
    const stranded = await queue(["nobody-has-this"]);
    clock.advance(5_000);
    await sim.control.tick();
    expect(await job(done)).toMatchObject({ status: "completed", conclusion: "success" });
    expect(await sim.control.runners("acme")).toEqual([]);
    clock.advance(24 * 3_600_000);
    await sim.control.tick();
    expect(await job(stranded)).toMatchObject({
      status: "completed",
      conclusion: "cancelled",
      runnerId: null,
    });
  });

  it("holds environment jobs until approved, and cancels queued and running jobs", async () => {
    await register("r", ["x"]);
    await sim.control.connectRunner("r");
    const { jobIds } = await sim.control.queueWorkflowRun({
      repository: "acme/web",
      jobs: [
        { name: "deploy", labels: ["x"], environment: "production" },
        { name: "lint", labels: ["y"] },
      ],
    });
    const [deploy, lint] = jobIds as [number, number];
    expect((await job(deploy)).status).toBe("waiting");
    await sim.control.approveEnvironment(deploy);
    expect((await job(deploy)).status).toBe("in_progress");
    await sim.control.cancelJob(lint);
    expect(await job(lint)).toMatchObject({
      status: "completed",
      conclusion: "cancelled",
      runnerId: null,
    });
    await sim.control.cancelJob(deploy);
    expect(await job(deploy)).toMatchObject({
      status: "completed",
      conclusion: "cancelled",
      runnerName: "r",
    });
  });

  it("fails a running job whose runner disconnects", async () => {
    await register("r", ["x"]);
    await sim.control.connectRunner("r");
    const id = await queue(["x"]);
    await sim.control.disconnectRunner("r");
    expect(await job(id)).toMatchObject({ status: "completed", conclusion: "failure" });
  });

  it("queues a 256-job matrix and refuses 257", async () => {
    const jobs = Array.from({ length: 256 }, (_, i) => ({ name: `m-${i}`, labels: ["x"] }));
    expect(
      (await sim.control.queueWorkflowRun({ repository: "acme/web", jobs })).jobIds,
    ).toHaveLength(256);
    await expect(
      sim.control.queueWorkflowRun({
        repository: "acme/web",
        jobs: [...jobs, { name: "one-more", labels: ["x"] }],
      }),
    ).rejects.toThrow(/256/);
  });
});

describe("a job's life in webhooks", () => {
  it("emits queued → in_progress → completed, with the run around it, in order", async () => {
    const clock = new ManualClock();
    const receiver = await startReceiver();
    const sim = await startSimulator({ clock, webhookUrl: receiver.url });
    try {
      const { installationId } = await sim.control.createInstallation({
        account: { login: "acme", type: "Organization" },
        repositories: ["web"],
      });
      const token = await installationToken(sim, installationId, clock.now());
      await api(sim, "POST", "/repos/acme/web/actions/runners/generate-jitconfig", {
        token,
        body: { name: "repo-runner", runner_group_id: 1, labels: ["hangar"] },
      });
      await sim.control.connectRunner("repo-runner");
      const { jobIds } = await sim.control.queueWorkflowRun({
        repository: "acme/web",
        jobs: [{ name: "build", labels: ["hangar"], durationMs: 90_000, conclusion: "failure" }],
      });
      clock.advance(90_000);
      await sim.control.tick();
      await sim.control.drainDeliveries();
      const events = receiver.received.map((r) => `${r.event}.${r.action}`);
      expect(events).toEqual([
        "installation.created",
        "workflow_run.requested",
        "workflow_job.queued",
        "workflow_job.in_progress",
        "workflow_run.in_progress",
        "workflow_job.completed",
        "workflow_run.completed",
      ]);
      const completed = JSON.parse(receiver.received[5]!.body.toString("utf8")) as {
        workflow_job: {
          id: number;
          conclusion: string;
          runner_name: string;
          started_at: string;
          completed_at: string;
        };
      };
      expect(completed.workflow_job).toMatchObject({
        id: jobIds[0],
        conclusion: "failure",
        runner_name: "repo-runner",
      });
      expect(
        Date.parse(completed.workflow_job.completed_at) -
          Date.parse(completed.workflow_job.started_at),
      ).toBe(90_000);
      const rest = await api(sim, "GET", `/repos/acme/web/actions/jobs/${jobIds[0]}`, { token });
      expect(rest.body).toMatchObject({ status: "completed", conclusion: "failure" });
      const runId = (await sim.control.jobs())[0]!.runId;
      const runJobs = await api(sim, "GET", `/repos/acme/web/actions/runs/${runId}/jobs`, {
        token,
      });
      expect(runJobs.body).toMatchObject({
        total_count: 1,
        jobs: [{ id: jobIds[0], run_id: runId }],
      });
      const elsewhere = await api(sim, "GET", `/repos/acme/other/actions/jobs/${jobIds[0]}`, {
        token,
      });
      expect(elsewhere.status).toBe(404);
    } finally {
      await sim.close();
      await receiver.close();
    }
  });
});
