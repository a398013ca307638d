import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { createSimulatorClient, SimulatorControlError } from "./control-client.js";
import { startSimulator, type Simulator } from "./simulator.js";
import { startReceiver } from "./testing/receiver.js";
import { api, installationToken } from "./testing/rest.js";

describe("the control API over HTTP", () => {
  const clock = new ManualClock();
  let sim: Simulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    receiver = await startReceiver();
    sim = await startSimulator({ clock });
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });

  it("drives the simulator like sim.control and validates its input", async () => {
    const control = createSimulatorClient(sim.url);
    await control.setWebhookUrl(receiver.url);
    const { installationId, repositories } = await control.createInstallation({
      account: { login: "acme", type: "Organization" },
      repositories: ["web"],
    });
    expect(repositories).toEqual([{ id: expect.any(Number) as number, fullName: "acme/web" }]);
    const { id: groupId } = await control.createRunnerGroup("acme", "gpu");
    expect(groupId).toBeGreaterThan(1);
    const token = await installationToken(sim, installationId, clock.now());
    const jit = await api(sim, "POST", "/orgs/acme/actions/runners/generate-jitconfig", {
      token,
      body: { name: "g-1", runner_group_id: groupId, labels: ["gpu"] },
    });
    expect(jit.status).toBe(201);
    await control.connectRunner("g-1");
    const { jobIds } = await control.queueWorkflowRun({
      repository: "acme/web",
      jobs: [{ name: "t", labels: ["gpu"] }],
    });
    expect((await control.jobs())[0]).toMatchObject({
      id: jobIds[0],
      status: "in_progress",
      runnerGroupName: "gpu",
    });
    expect(await control.runners("acme")).toMatchObject([
      { name: "g-1", busy: true, runnerGroupId: groupId },
    ]);
    await control.drainDeliveries();
    expect((await control.deliveries()).map((d) => d.event)).toContain("workflow_job");
    await expect(control.connectRunner("nobody")).rejects.toBeInstanceOf(SimulatorControlError);
    await expect(
      control.queueWorkflowRun({ repository: "acme/web", jobs: [] }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it("stores pushed workflow files, emits push, and serves them through contents", async () => {
    const control = createSimulatorClient(sim.url);
    const installationId = (await control.installations())[0]!.id;
    const content = "on: push\njobs:\n  build:\n    runs-on: hangar-4cpu\n";
    const { sha } = await control.pushWorkflowFile({
      repository: "acme/web",
      path: ".github/workflows/ci.yml",
      content,
    });
    await control.pushWorkflowFile({
      repository: "acme/web",
      path: ".github/workflows/ci.yml",
      content: `${content}#\n`,
    });
    await control.drainDeliveries();
    const pushes = receiver.received
      .filter((r) => r.event === "push")
      .map(
        (r) =>
          JSON.parse(r.body.toString()) as {
            after: string;
            commits: { added: string[]; modified: string[] }[];
          },
      );
    expect(pushes[0]).toMatchObject({
      after: sha,
      commits: [{ added: [".github/workflows/ci.yml"] }],
    });
    expect(pushes[1]).toMatchObject({ commits: [{ modified: [".github/workflows/ci.yml"] }] });
    const token = await installationToken(sim, installationId, clock.now());
    const dir = await api(sim, "GET", "/repos/acme/web/contents/.github/workflows", { token });
    expect(dir.body).toMatchObject([
      { type: "file", name: "ci.yml", path: ".github/workflows/ci.yml" },
    ]);
    const file = await api(
      sim,
      "GET",
      `/repos/acme/web/contents/.github/workflows/ci.yml?ref=${sha}`,
      { token },
    );
    const body = file.body as { type: string; encoding: string; content: string };
    expect(body).toMatchObject({ type: "file", encoding: "base64" });
    expect(Buffer.from(body.content, "base64").toString()).toBe(content);
    expect((await api(sim, "GET", "/repos/other/repo/contents/x", { token })).status).toBe(404);
  });
});
