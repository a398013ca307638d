import { afterEach, describe, expect, it } from "vitest";
import { GitHubRunnerBusyError } from "../errors.js";
import {
  orgInstallation,
  simulatedGitHub,
  startProxy,
  statuses,
  type SimulatedGitHub,
} from "../test-fixtures.js";
import type { GenerateJitConfigInput } from "../types.js";

// JIT registration and runner removal against the GitHub simulator.

let github: SimulatedGitHub | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await github?.close();
  github = undefined;
});

async function setup() {
  github = await simulatedGitHub();
  const installationId = await orgInstallation(github, "acme");
  await github.sim.control.createRunnerGroup("acme", "hangar");
  return github.app.installation(installationId);
}

const jit = (overrides: Partial<GenerateJitConfigInput> = {}): GenerateJitConfigInput => ({
  scope: { org: "acme" },
  name: "hangar-r1",
  runnerGroup: { name: "hangar" },
  labels: ["hangar-4cpu"],
  onConflict: "adopt",
  ...overrides,
});

describe("generateJitConfig", () => {
  it("registers a runner and returns its config", async () => {
    const installation = await setup();
    const result = await installation.generateJitConfig(jit({ workFolder: "_work" }));
    expect(result.adopted).toBe(false);
    expect(result.encodedJitConfig).toEqual(expect.any(String));
    expect(result.runner).toMatchObject({ name: "hangar-r1", busy: false });
    expect(result.runner.labels).toContain("hangar-4cpu");
  });

  it("adopts the existing runner on 409 with `adopt`", async () => {
    const installation = await setup();
    const first = await installation.generateJitConfig(jit());
    const again = await installation.generateJitConfig(jit());
    expect(again).toEqual({ runner: first.runner, adopted: true });
    expect(statuses(github!, /generate-jitconfig$/)).toEqual([201, 409]);
  });

  it("deletes and re-creates on 409 with `replace`", async () => {
    const installation = await setup();
    const first = await installation.generateJitConfig(jit());
    const replaced = await installation.generateJitConfig(jit({ onConflict: "replace" }));
    expect(replaced.adopted).toBe(false);
    expect(replaced.encodedJitConfig).toEqual(expect.any(String));
    expect(replaced.runner.id).not.toBe(first.runner.id);
    const named = await installation.listRunners({ org: "acme" }, { name: "hangar-r1" });
    expect(named.map((r) => r.id)).toEqual([replaced.runner.id]);
    expect(
      github!.sim
        .stats()
        .requests.filter((r) => r.method !== "GET")
        .map((r) => `${r.method} ${r.status}`),
    ).toEqual(["POST 201", "POST 201", "POST 409", "DELETE 204", "POST 201"]);
  });

  it("refuses to replace a busy runner with a retryable GitHubRunnerBusyError", async () => {
    const installation = await setup();
    const first = await installation.generateJitConfig(jit());
    await github!.sim.control.setRunnerBusy("hangar-r1", true);
    const error = await installation
      .generateJitConfig(jit({ onConflict: "replace" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubRunnerBusyError);
    expect(error).toMatchObject({ retryable: true, runnerId: first.runner.id });
  });

  it("resolves the runner group by name once for a burst of registrations", async () => {
    const installation = await setup();
    const group = await github!.sim.control.createRunnerGroup("acme", "Hangar-GPU");
    expect(await installation.getRunnerGroupId("acme", "hangar-gpu")).toBe(group.id);
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        installation.generateJitConfig(jit({ name: `r${i}`, runnerGroup: { name: "Hangar-GPU" } })),
      ),
    );
    expect(statuses(github!, /runner-groups$/)).toEqual([200]);
  });
});

describe("deleteRunner", () => {
  it("deletes an idle runner", async () => {
    const installation = await setup();
    const { runner } = await installation.generateJitConfig(jit());
    expect(await installation.deleteRunner({ org: "acme" }, runner.id)).toEqual({
      kind: "deleted",
    });
    expect(await installation.listRunners({ org: "acme" })).toEqual([]);
  });

  it("leaves a busy runner alone without calling DELETE", async () => {
    const installation = await setup();
    const { runner } = await installation.generateJitConfig(jit());
    await github!.sim.control.setRunnerBusy("hangar-r1", true);
    expect(await installation.deleteRunner({ org: "acme" }, runner.id)).toEqual({ kind: "busy" });
    expect(github!.sim.stats().requests.filter((r) => r.method === "DELETE")).toEqual([]);
    expect(await installation.getRunner({ org: "acme" }, runner.id)).toMatchObject({ busy: true });
  });

  it("answers busy when the runner takes a job between the check and the DELETE (422)", async () => {
    github = await simulatedGitHub({
      // The proxy makes the runner busy just before GitHub sees the DELETE.
      apiUrl: async (simUrl) => {
        const proxy = await startProxy(simUrl, async (request) => {
          if (request.method === "DELETE") {
            await github!.sim.control.setRunnerBusy("hangar-r1", true);
          }
        });
        cleanups.push(() => proxy.close());
        return proxy.url;
      },
    });
    const installationId = await orgInstallation(github, "acme");
    await github.sim.control.createRunnerGroup("acme", "hangar");
    const installation = github.app.installation(installationId);
    const { runner } = await installation.generateJitConfig(jit());

    expect(await installation.deleteRunner({ org: "acme" }, runner.id)).toEqual({ kind: "busy" });
    expect(statuses(github, /\/actions\/runners\/\d+$/)).toEqual([200, 422]);
  });

  it("answers not-found for an unknown runner, at org and repository scope", async () => {
    const installation = await setup();
    expect(await installation.deleteRunner({ org: "acme" }, 424242)).toEqual({ kind: "not-found" });
    expect(await installation.deleteRunner({ owner: "acme", repo: "app" }, 424242)).toEqual({
      kind: "not-found",
    });
  });

  it("works at repository scope end to end", async () => {
    const installation = await setup();
    const scope = { owner: "acme", repo: "app" };
    const { runner } = await installation.generateJitConfig(
      jit({ scope, runnerGroup: { name: "hangar" } }),
    );
    expect((await installation.listRunners(scope)).map((r) => r.id)).toEqual([runner.id]);
    expect(await installation.listRunners({ org: "acme" })).toEqual([]);
    expect(await installation.deleteRunner(scope, runner.id)).toEqual({ kind: "deleted" });
  });
});
