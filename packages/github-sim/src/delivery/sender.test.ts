import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { startSimulator, type Simulator } from "../simulator.js";
import { startReceiver } from "../testing/receiver.js";
import { api, appJwt } from "../testing/rest.js";
import { verifySignature } from "../webhooks/signature.js";

describe("webhook deliveries", () => {
  const clock = new ManualClock();
  let sim: Simulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let answer = 202;

  beforeEach(async () => {
    answer = 202;
    receiver = await startReceiver(() => answer);
    sim = await startSimulator({ clock, webhookUrl: receiver.url });
  });
  afterEach(async () => {
    await sim.close();
    await receiver.close();
  });

  const install = () =>
    sim.control.createInstallation({
      account: { login: "acme", type: "Organization" },
      repositories: ["web"],
    });

  it("posts signed deliveries with GitHub's headers and records them", async () => {
    const { installationId } = await install();
    await sim.control.drainDeliveries();
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(got!.event).toBe("installation");
    expect(got!.action).toBe("created");
    expect(
      verifySignature(
        sim.app.webhookSecret,
        got!.body,
        got!.headers["x-hub-signature-256"] as string,
      ),
    ).toBe(true);
    expect(got!.headers["x-github-hook-installation-target-type"]).toBe("integration");
    expect(got!.headers["x-github-hook-installation-target-id"]).toBe(String(sim.app.id));
    const [record] = await sim.control.deliveries();
    expect(record).toMatchObject({
      guid: got!.guid,
      status: "delivered",
      statusCode: 202,
      installationId,
      redelivery: false,
    });
  });

  it("records non-2xx answers as failed and redelivers with the same GUID", async () => {
    answer = 500;
    await install();
    await sim.control.drainDeliveries();
    const [failed] = await sim.control.deliveries();
    expect(failed).toMatchObject({ status: "failed", statusCode: 500 });
    answer = 202;
    const jwt = await appJwt(sim, clock.now());
    const list = await api(sim, "GET", "/app/hook/deliveries", { jwt });
    expect(list.body).toMatchObject([{ id: failed!.id, guid: failed!.guid, status_code: 500 }]);
    const attempt = await api(sim, "POST", `/app/hook/deliveries/${failed!.id}/attempts`, { jwt });
    expect(attempt.status).toBe(202);
    await sim.control.drainDeliveries();
    expect(receiver.received.map((r) => r.guid)).toEqual([failed!.guid, failed!.guid]);
    const records = await sim.control.deliveries();
    expect(records[1]).toMatchObject({ guid: failed!.guid, redelivery: true, status: "delivered" });
    const detail = await api(sim, "GET", `/app/hook/deliveries/${records[1]!.id}`, { jwt });
    expect(detail.body).toMatchObject({
      guid: failed!.guid,
      redelivery: true,
      status: "OK",
      request: { headers: { "X-GitHub-Delivery": failed!.guid }, payload: { action: "created" } },
    });
  });

  it("pages the delivery log with a cursor Link header", async () => {
    const { installationId } = await install();
    await sim.control.suspendInstallation(installationId);
    await sim.control.unsuspendInstallation(installationId);
    await sim.control.drainDeliveries();
    const jwt = await appJwt(sim, clock.now());
    const first = await api(sim, "GET", "/app/hook/deliveries?per_page=2", { jwt });
    expect((first.body as { action: string }[]).map((d) => d.action)).toEqual([
      "unsuspend",
      "suspend",
    ]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get("link") ?? "")?.[1];
    expect(next).toBeDefined();
    const second = await api(sim, "GET", next!.slice(sim.url.length), { jwt });
    expect((second.body as { action: string }[]).map((d) => d.action)).toEqual(["created"]);
  });

  it("duplicates with the same GUID, drops redeliverably, and swaps neighbours under reorder", async () => {
    const { installationId } = await install();
    await sim.control.drainDeliveries();
    await sim.control.chaosNext({ duplicate: true });
    await sim.control.suspendInstallation(installationId);
    await sim.control.drainDeliveries();
    const dup = receiver.received.slice(1);
    expect(dup.map((r) => r.action)).toEqual(["suspend", "suspend"]);
    expect(dup[0]!.guid).toBe(dup[1]!.guid);

    await sim.control.chaosNext({ drop: true });
    await sim.control.unsuspendInstallation(installationId);
    await sim.control.drainDeliveries();
    expect(receiver.received).toHaveLength(3);
    const dropped = (await sim.control.deliveries()).at(-1);
    expect(dropped).toMatchObject({ action: "unsuspend", status: "dropped" });

    await sim.control.setChaos({ reorder: true });
    // One run, one job: workflow_run.requested then workflow_job.queued, sent swapped.
    await sim.control.queueWorkflowRun({
      repository: "acme/web",
      jobs: [{ name: "build", labels: ["x"] }],
    });
    await sim.control.drainDeliveries();
    expect(receiver.received.slice(3).map((r) => `${r.event}.${r.action}`)).toEqual([
      "workflow_job.queued",
      "workflow_run.requested",
    ]);
  });

  it("makes the same chaos decisions for the same seed", async () => {
    const { installationId } = await install();
    await sim.control.drainDeliveries();
    const outcomes = async (seed: number): Promise<string[]> => {
      await sim.control.setChaos({ seed, duplicate: 0.5, drop: 0.3 });
      const before = (await sim.control.deliveries()).length;
      for (let i = 0; i < 6; i++) {
        await sim.control.suspendInstallation(installationId);
        await sim.control.unsuspendInstallation(installationId);
      }
      await sim.control.drainDeliveries();
      return (await sim.control.deliveries()).slice(before).map((d) => `${d.action}:${d.status}`);
    };
    const a = await outcomes(42);
    const b = await outcomes(42);
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(12);
    expect(a.some((o) => o.endsWith("dropped"))).toBe(true);
  });
});
