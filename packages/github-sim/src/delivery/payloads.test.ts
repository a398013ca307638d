import { describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { startSimulator } from "../simulator.js";
import { startReceiver } from "../testing/receiver.js";
import { api, installationToken } from "../testing/rest.js";
import { schemaErrors } from "../webhooks/testing/schema-check.js";

// Every delivery a whole scenario produces must match GitHub's published
// webhook schemas: the state the simulator keeps has to fit the payloads.
describe("deliveries of a whole scenario", () => {
  it("all validate against @octokit/webhooks-schemas", async () => {
    const clock = new ManualClock();
    const receiver = await startReceiver();
    const sim = await startSimulator({ clock, webhookUrl: receiver.url });
    try {
      const { installationId } = await sim.control.createInstallation({
        account: { login: "acme", type: "Organization" },
        repositories: ["web"],
      });
      await sim.control.addRepositories(installationId, ["api", "docs"]);
      await sim.control.removeRepositories(installationId, ["docs"]);
      await sim.control.suspendInstallation(installationId);
      await sim.control.unsuspendInstallation(installationId);
      await sim.control.pushWorkflowFile({
        repository: "acme/web",
        path: ".github/workflows/ci.yml",
        content: "on: push\n",
      });
      const token = await installationToken(sim, installationId, clock.now());
      for (const name of ["r1", "r2"]) {
        await api(sim, "POST", "/orgs/acme/actions/runners/generate-jitconfig", {
          token,
          body: { name, runner_group_id: 1, labels: ["x"] },
        });
        await sim.control.connectRunner(name);
      }
      const { jobIds } = await sim.control.queueWorkflowRun({
        repository: "acme/web",
        jobs: [
          { name: "build", labels: ["x"], durationMs: 1_000 },
          { name: "deploy", labels: ["x"], environment: "production" },
          { name: "never", labels: ["gpu"] },
        ],
      });
      clock.advance(1_000);
      await sim.control.tick();
      await sim.control.approveEnvironment(jobIds[1]!);
      await sim.control.cancelJob(jobIds[2]!);
      clock.advance(1_000);
      await sim.control.tick();
      await sim.control.deleteInstallation(installationId);
      await sim.control.drainDeliveries();

      const seen = new Set<string>();
      for (const got of receiver.received) {
        const definition = `${got.event}$${got.action ?? "event"}`;
        seen.add(definition);
        const payload: unknown = JSON.parse(got.body.toString("utf8"));
        expect(schemaErrors(definition, payload), definition).toEqual([]);
      }
      expect([...seen].sort()).toEqual([
        "installation$created",
        "installation$deleted",
        "installation$suspend",
        "installation$unsuspend",
        "installation_repositories$added",
        "installation_repositories$removed",
        "push$event",
        "workflow_job$completed",
        "workflow_job$in_progress",
        "workflow_job$queued",
        "workflow_job$waiting",
        "workflow_run$completed",
        "workflow_run$in_progress",
        "workflow_run$requested",
      ]);
    } finally {
      await sim.close();
      await receiver.close();
    }
  });
});
