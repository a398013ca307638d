import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { orgInstallation, simulatedGitHub, type SimulatedGitHub } from "../test-fixtures.js";

// The App's webhook delivery log, against the GitHub simulator.

let github: SimulatedGitHub | undefined;
let closeReceiver: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeReceiver?.();
  await github?.close();
  github = undefined;
});

/** A webhook endpoint that fails every other delivery, so there is something to redeliver. */
async function flakyReceiver(): Promise<string> {
  let count = 0;
  const server = createServer((request, response) => {
    request.resume();
    count += 1;
    response.writeHead(count % 2 === 0 ? 500 : 202).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closeReceiver = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => {
        resolve();
      });
    });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/github`;
}

describe("deliveries", () => {
  it("pages by cursor, iterates all, and redelivers", async () => {
    github = await simulatedGitHub();
    await github.sim.control.setWebhookUrl(await flakyReceiver());
    await orgInstallation(github, "acme");
    await github.sim.control.queueWorkflowRun({
      repository: "acme/app",
      jobs: Array.from({ length: 4 }, (_, i) => ({ name: `job-${i}`, labels: ["hangar"] })),
    });
    await github.sim.control.drainDeliveries();
    const known = (await github.sim.control.deliveries()).filter((d) => d.status !== "pending");
    expect(known.length).toBeGreaterThanOrEqual(5);

    const first = await github.app.listDeliveries({ perPage: 2 });
    expect(first.deliveries).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await github.app.listDeliveries({ perPage: 2, cursor: first.nextCursor! });
    expect(second.deliveries.map((d) => d.id)).not.toContain(first.deliveries[0]!.id);

    const all = [];
    for await (const delivery of github.app.allDeliveries({ perPage: 2 })) all.push(delivery);
    expect(all.map((d) => d.guid).sort()).toEqual(known.map((d) => d.guid).sort());
    expect(all.every((d) => d.deliveredAt !== "" && d.installationId !== null)).toBe(true);

    const failed = all.find((d) => d.statusCode >= 500);
    expect(failed).toBeDefined();
    await github.app.redeliver(failed!.id);
    await github.sim.control.drainDeliveries();
    const redelivered = (await github.sim.control.deliveries()).filter((d) => d.redelivery);
    expect(redelivered.map((d) => d.guid)).toEqual([failed!.guid]);
  });
});
