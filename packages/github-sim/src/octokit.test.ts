import { createAppAuth } from "@octokit/auth-app";
import { Octokit } from "@octokit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { startSimulator, type Simulator } from "./simulator.js";

// Hangar's GitHub client is built on Octokit: the simulator must work with it
// as it is, including its recovery from clock skew between client and GitHub.
describe("Octokit against the simulator", () => {
  const clock = new ManualClock();
  let sim: Simulator;
  let installationId: number;

  beforeAll(async () => {
    sim = await startSimulator({ clock });
    ({ installationId } = await sim.control.createInstallation({
      account: { login: "acme", type: "Organization" },
      repositories: ["web"],
    }));
  });
  afterAll(async () => sim.close());

  const octokit = () =>
    new Octokit({
      baseUrl: sim.url,
      authStrategy: createAppAuth,
      auth: { appId: sim.app.id, privateKey: sim.app.privateKeyPem, installationId },
      log: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: console.error,
      },
    });

  it("authenticates as the App and as an installation, and registers a JIT runner", async () => {
    const client = octokit();
    const repos = await client.request("GET /installation/repositories");
    expect(repos.data.total_count).toBe(1);
    const jit = await client.request("POST /orgs/{org}/actions/runners/generate-jitconfig", {
      org: "acme",
      name: "octo-runner",
      runner_group_id: 1,
      labels: ["hangar-2cpu"],
    });
    expect(jit.status).toBe(201);
    expect(jit.data.runner.name).toBe("octo-runner");
  });

  it("recovers from a simulator clock far ahead, using the Date header as it does with GitHub", async () => {
    clock.advance(2 * 3_600_000);
    const app = new Octokit({
      baseUrl: sim.url,
      authStrategy: createAppAuth,
      auth: { appId: sim.app.id, privateKey: sim.app.privateKeyPem },
      log: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: console.error,
      },
    });
    const res = await app.request("GET /app");
    expect(res.data?.id).toBe(sim.app.id);
  });
});
