import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator, type Simulator } from "@hangar/github-sim";
import { api, installationToken } from "@hangar/github-sim/testing/rest.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliError } from "../../exit-codes.js";
import type { Io } from "../../io.js";
import { simCommand } from "./index.js";
import { defaultSimulatorUrl } from "./target.js";

// `hangar sim` against a real simulator in this process, over its HTTP control API.

interface Captured {
  io: Io;
  stdout: () => string;
  stderr: () => string;
}

function capture(env: NodeJS.ProcessEnv = {}): Captured {
  let out = "";
  let err = "";
  return {
    io: {
      stdout: { write: (chunk: string) => (out += chunk) },
      stderr: { write: (chunk: string) => (err += chunk) },
      env,
      stdinIsTTY: true,
      readStdin: () => Promise.resolve(""),
    },
    stdout: () => out,
    stderr: () => err,
  };
}

describe("hangar sim", () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(async () => {
    await sim.close();
  });

  async function hangarSim(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Captured> {
    const captured = capture(env);
    await simCommand(captured.io)
      .exitOverride()
      .configureOutput({
        writeOut: (text) => captured.io.stdout.write(text),
        writeErr: (text) => captured.io.stderr.write(text),
      })
      .parseAsync([...args, "--sim-url", sim.url], { from: "user" });
    return captured;
  }

  /** Ephemeral runners that take jobs with these labels, as a runner pod would. */
  async function connectRunners(
    login: string,
    installationId: number,
    labels: string[],
    count: number,
  ) {
    const token = await installationToken(sim, installationId, Date.now());
    for (let i = 0; i < count; i += 1) {
      const name = `${login}-runner-${i}`;
      const jit = await api(sim, "POST", `/orgs/${login}/actions/runners/generate-jitconfig`, {
        token,
        body: { name, runner_group_id: 1, labels },
      });
      expect(jit.status).toBe(201);
      await sim.control.connectRunner(name);
    }
  }

  it("installs the App, pushes a generated workflow and shows the status", async () => {
    const installed = await hangarSim(["install", "--org", "acme", "--repos", "web,api", "--json"]);
    const installation = JSON.parse(installed.stdout()) as {
      installationId: number;
      repositories: { fullName: string }[];
    };
    expect(installation.repositories.map((r) => r.fullName)).toEqual(["acme/web", "acme/api"]);

    const pushed = await hangarSim([
      "push",
      "--repo",
      "acme/web",
      "--labels",
      "hangar-small",
      "--labels",
      "gpu,large",
    ]);
    expect(pushed.stdout()).toMatch(/^[0-9a-f]{40}\n$/);

    const status = await hangarSim(["status", "--json"]);
    expect(JSON.parse(status.stdout())).toMatchObject({
      installations: [
        {
          id: installation.installationId,
          account: "acme",
          type: "Organization",
          suspended: false,
          repositories: ["acme/web", "acme/api"],
        },
      ],
      runners: { total: 0, online: 0, busy: 0 },
    });
    const table = await hangarSim(["status"]);
    expect(table.stdout()).toContain("acme/web,acme/api");
    expect(table.stdout()).toMatch(/runners\s+0 online/);
  });

  it("pushes a workflow file from disk", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hangar-sim-"));
    const file = join(dir, "ci.yml");
    await writeFile(file, "on: push\njobs:\n  a:\n    runs-on: hangar-small\n");
    const pushed = await hangarSim([
      "push",
      "--repo",
      "acme/api",
      "--file",
      ".github/workflows/other.yml",
      "--from",
      file,
      "--json",
    ]);
    expect(JSON.parse(pushed.stdout())).toMatchObject({
      repository: "acme/api",
      path: ".github/workflows/other.yml",
    });
  });

  it("runs a matrix of jobs to completion on runners and summarises them", async () => {
    const installed = await hangarSim(["install", "--org", "matrix", "--repos", "web"]);
    const installationId = Number(installed.stdout().trim());
    await connectRunners("matrix", installationId, ["hangar-small"], 6);
    const ran = await hangarSim([
      "run",
      "--repo",
      "matrix/web",
      "--jobs",
      "3",
      "--runs",
      "2",
      "--rate",
      "10/s",
      "--labels",
      "hangar-small",
      "--duration",
      "100ms..300ms",
      "--failure-rate",
      "0",
      "--wait",
      "--timeout",
      "60s",
      "--json",
    ]);
    const result = JSON.parse(ran.stdout()) as {
      runs: { runId: number }[];
      counts: { jobsQueued: number; jobsByLabelSet: Record<string, number> };
      summary: { completed: number; succeeded: number; queueMs: { p50: number } | null };
    };
    expect(result.runs).toHaveLength(2);
    expect(result.counts).toMatchObject({ jobsQueued: 6, jobsByLabelSet: { "hangar-small": 6 } });
    expect(result.summary).toMatchObject({ completed: 6, succeeded: 6 });
    expect(result.summary.queueMs).not.toBeNull();
    const jobs = (await sim.control.jobs()).filter((job) => job.repository === "matrix/web");
    expect(jobs.map((job) => job.name).sort()).toEqual([
      "test (1)",
      "test (1)",
      "test (2)",
      "test (2)",
      "test (3)",
      "test (3)",
    ]);
  });

  it("gives up on jobs no runner takes, after --timeout, with a non-zero exit", async () => {
    const run = hangarSim([
      "run",
      "--repo",
      "acme/web",
      "--labels",
      "nobody-has-these",
      "--wait",
      "--timeout",
      "1s",
    ]);
    await expect(run).rejects.toMatchObject({ name: "CliError", exitCode: 1 });
  });

  it("turns chaos on and off", async () => {
    const on = await hangarSim([
      "chaos",
      "--duplicate",
      "20%",
      "--reorder",
      "--delay",
      "200ms",
      "--seed",
      "4",
    ]);
    expect(on.stdout()).toBe("chaos on: duplicate 20%, reorder, delay 200ms (seed 4)\n");
    const off = await hangarSim(["chaos", "--off"]);
    expect(off.stdout()).toContain("chaos off");
  });

  it.each([
    [
      ["run", "--repo", "acme/web", "--labels", "x", "--duration", "5 minutes"],
      /--duration must be a duration/,
    ],
    [
      ["run", "--repo", "acme/web", "--labels", "x", "--rate", "fast"],
      /--rate must be a positive rate/,
    ],
    [
      ["run", "--repo", "acme/web", "--labels", "x", "--failure-rate", "2"],
      /--failure-rate must be a probability/,
    ],
    [["run", "--repo", "acme/web"], /--labels is required/],
    [["run", "--repo", "web", "--labels", "x"], /--repo must be owner\/name/],
    [["chaos", "--off", "--drop", "0.1"], /--off takes no other chaos option/],
    [["chaos"], /say what chaos/],
    [["push", "--repo", "acme/web"], /exactly one of --from/],
  ])("refuses %j as a usage error", async (args, message) => {
    const attempt = hangarSim(args);
    await expect(attempt).rejects.toBeInstanceOf(CliError);
    await expect(attempt).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(message) as string,
    });
  });

  it("reports commander's own usage errors and help through the settings given to the group", async () => {
    await expect(hangarSim(["install", "--repos", "a"])).rejects.toMatchObject({
      code: "commander.missingMandatoryOptionValue",
    });
    const captured = capture();
    await expect(
      simCommand(captured.io)
        .exitOverride()
        .configureOutput({ writeOut: (text) => captured.io.stdout.write(text) })
        .parseAsync(["run", "--help"], { from: "user" }),
    ).rejects.toMatchObject({ exitCode: 0 });
    expect(captured.stdout()).toContain("--failure-rate <p>");
  });

  it("says when no simulator answers", async () => {
    const captured = capture();
    const attempt = simCommand(captured.io)
      .exitOverride()
      .parseAsync(["status", "--sim-url", "http://127.0.0.1:9"], { from: "user" });
    await expect(attempt).rejects.toMatchObject({ exitCode: 69 });
  });

  it.each([
    [{}, "http://127.0.0.1:8082"],
    [{ HANGAR_PORT_OFFSET: "100" }, "http://127.0.0.1:8182"],
    [{ HANGAR_PORT_OFFSET: "100", HANGAR_SIMULATOR_PORT: "7000" }, "http://127.0.0.1:7000"],
  ])("finds the simulator `hangar start` runs with %j at %s", (env, url) => {
    expect(defaultSimulatorUrl(env)).toBe(url);
  });
});
