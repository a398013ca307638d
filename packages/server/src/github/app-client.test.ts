import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../observability/logger.js";
import {
  GitHubAuthError,
  GitHubNotFoundError,
  GitHubUnavailableError,
  GitHubValidationError,
} from "./errors.js";
import {
  orgInstallation,
  simulatedGitHub,
  statuses,
  type SimulatedGitHub,
} from "./test-fixtures.js";
import type { LoggerLike } from "./types.js";

// The client against the GitHub simulator: App auth, tokens, reads, errors.

let github: SimulatedGitHub | undefined;
afterEach(async () => {
  await github?.close();
  github = undefined;
});

describe("reads", () => {
  it("lists repositories across pages, budgeted as one endpoint", async () => {
    github = await simulatedGitHub();
    const names = Array.from({ length: 250 }, (_, i) => `repo-${String(i).padStart(3, "0")}`);
    const acme = await orgInstallation(github, "acme", names);
    const repositories = await github.app.installation(acme).listRepositories();

    expect(repositories).toHaveLength(250);
    expect(new Set(repositories.map((r) => r.name))).toEqual(new Set(names));
    expect(repositories[0]).toMatchObject({
      owner: "acme",
      defaultBranch: "main",
      archived: false,
    });
    expect(statuses(github, /^\/installation\/repositories$/)).toEqual([200, 200, 200]);
    expect(github.app.rateLimitSnapshot().endpoints["GET /installation/repositories"]).toEqual({
      pointsUsed: 3,
      pointsRemaining: 897,
    });
  });

  it("reads the workflow files of a ref, and none where there is no workflows directory", async () => {
    github = await simulatedGitHub();
    const acme = await orgInstallation(github, "acme", ["app", "empty"]);
    const files = {
      ".github/workflows/ci.yml": "on: push\njobs: {}\n",
      ".github/workflows/release.yaml": "on: release\n",
      ".github/workflows/README.md": "not a workflow",
      ".github/workflows/nested/skip.yml": "on: push\n",
    };
    for (const [path, content] of Object.entries(files)) {
      await github.sim.control.pushWorkflowFile({ repository: "acme/app", path, content });
    }
    const installation = github.app.installation(acme);

    const read = await installation.readWorkflowFiles("acme", "app", "main");
    expect(read.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: ".github/workflows/ci.yml", content: files[".github/workflows/ci.yml"] },
      { path: ".github/workflows/release.yaml", content: files[".github/workflows/release.yaml"] },
    ]);
    expect(await installation.readWorkflowFiles("acme", "empty", "main")).toEqual([]);
  });

  it("returns a job and the jobs of a run in Hangar's shape", async () => {
    github = await simulatedGitHub();
    const acme = await orgInstallation(github, "acme");
    const run = await github.sim.control.queueWorkflowRun({
      repository: "acme/app",
      jobs: [
        { name: "build", labels: ["hangar-4cpu"] },
        { name: "test", labels: ["hangar-4cpu", "gpu"] },
      ],
    });
    const installation = github.app.installation(acme);

    const job = await installation.getJob("acme", "app", run.jobIds[0]!);
    expect(job).toMatchObject({
      id: run.jobIds[0],
      runId: run.runId,
      runAttempt: run.runAttempt,
      name: "build",
      status: "queued",
      conclusion: null,
      labels: ["hangar-4cpu"],
      startedAt: null,
      completedAt: null,
      runnerId: null,
      runnerName: null,
    });
    expect(Date.parse(job.createdAt)).toBe(github.clock.now() - (github.clock.now() % 1000));

    const jobs = await installation.listRunJobs("acme", "app", run.runId);
    expect(jobs.map((j) => [j.id, j.name, j.labels])).toEqual([
      [run.jobIds[0], "build", ["hangar-4cpu"]],
      [run.jobIds[1], "test", ["hangar-4cpu", "gpu"]],
    ]);
    expect(await installation.listRunJobs("acme", "app", run.runId, { attempt: 1 })).toEqual(jobs);
    expect(await installation.listRunJobs("acme", "app", run.runId, { attempt: 2 })).toEqual([]);
  });

  it("reads installations as the App", async () => {
    github = await simulatedGitHub();
    const acme = await orgInstallation(github, "acme");
    const installation = await github.app.getInstallation(acme);
    expect(installation).toMatchObject({
      id: acme,
      account: { login: "acme", type: "Organization" },
      suspendedAt: null,
    });
    expect((await github.app.listInstallations()).map((i) => i.id)).toEqual([acme]);
  });
});

describe("typed errors", () => {
  it("maps 404 to GitHubNotFoundError", async () => {
    github = await simulatedGitHub();
    const acme = await orgInstallation(github, "acme");
    const error = await github.app
      .installation(acme)
      .getJob("acme", "app", 999_999)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubNotFoundError);
    expect(error).toMatchObject({ retryable: false, status: 404 });
  });

  it("maps a suspended installation to a non-retryable GitHubAuthError", async () => {
    github = await simulatedGitHub();
    const acme = await orgInstallation(github, "acme");
    await github.sim.control.suspendInstallation(acme);
    const error = await github.app
      .installation(acme)
      .listRepositories()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubAuthError);
    expect(error).toMatchObject({ retryable: false, status: 403 });
    expect(String(error)).toContain("suspended");
  });

  it("retries 5xx on reads a bounded number of times, then GitHubUnavailableError", async () => {
    github = await simulatedGitHub();
    const acme = await orgInstallation(github, "acme");
    const installation = github.app.installation(acme);
    await github.sim.control.failNext({
      status: 502,
      pathPattern: "^/installation/repositories$",
      count: 1,
    });
    await expect(installation.listRepositories()).resolves.toHaveLength(1);

    await github.sim.control.failNext({
      status: 500,
      pathPattern: "^/installation/repositories$",
      count: 10,
    });
    const error = await installation.listRepositories().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubUnavailableError);
    expect(error).toMatchObject({ retryable: true, status: 500 });
    // 1 + 1 retry (502), then 1 + 2 retries (500), backing off 1 s then 2 s.
    expect(statuses(github, /^\/installation\/repositories$/)).toEqual([502, 200, 500, 500, 500]);
    expect(github.sleeps).toEqual([1_000, 1_000, 2_000]);
  });

  it("does not repeat a failed write (POST): the caller decides", async () => {
    github = await simulatedGitHub();
    const acme = await orgInstallation(github, "acme");
    const group = await github.sim.control.createRunnerGroup("acme", "hangar");
    await github.sim.control.failNext({ status: 502, pathPattern: "generate-jitconfig$" });
    const error = await github.app
      .installation(acme)
      .generateJitConfig({
        scope: { org: "acme" },
        name: "r1",
        runnerGroup: group,
        labels: ["hangar"],
        onConflict: "adopt",
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubUnavailableError);
    expect(statuses(github, /generate-jitconfig$/)).toEqual([502]);
  });

  it("rejects bad JIT input before calling GitHub", async () => {
    github = await simulatedGitHub();
    const acme = await orgInstallation(github, "acme");
    const jit = (labels: string[]) =>
      github!.app.installation(acme).generateJitConfig({
        scope: { org: "acme" },
        name: "r1",
        runnerGroup: { id: 1 },
        labels,
        onConflict: "adopt",
      });
    await expect(jit([])).rejects.toBeInstanceOf(GitHubValidationError);
    await expect(jit(Array.from({ length: 101 }, (_, i) => `l${i}`))).rejects.toBeInstanceOf(
      GitHubValidationError,
    );
    expect(github.sim.stats().requests).toEqual([]);
  });
});

describe("logging", () => {
  it("is accepted from pino and never carries tokens, JWTs or JIT configs", async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger: LoggerLike = createLogger({ level: "debug", destination });
    github = await simulatedGitHub({ client: { logger } });
    const acme = await orgInstallation(github, "acme");
    const group = await github.sim.control.createRunnerGroup("acme", "hangar");
    const installation = github.app.installation(acme);
    const created = await installation.generateJitConfig({
      scope: { org: "acme" },
      name: "r1",
      runnerGroup: group,
      labels: ["hangar"],
      onConflict: "adopt",
    });
    github.lagMs = 400_000;
    github.clock.advance(3_601_000);
    await installation.listRepositories();

    const log = lines.join("");
    expect(log).toContain("minted installation token");
    expect(log).toContain("refused credentials");
    expect(log).not.toMatch(/ghs_|eyJ/);
    expect(log).not.toContain(created.encodedJitConfig);
  });
});
