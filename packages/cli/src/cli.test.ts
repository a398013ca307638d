import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import { jobOf } from "@hangar/server/api/test/fixtures.js";
import { startHarness, type ApiHarness } from "@hangar/server/api/test/harness.js";
import { usageEvent } from "@hangar/server/storage/test-fixtures.js";
import { configFilePath } from "./client/config-file.js";
import { commands } from "./main.js";
import { buildProgram } from "./program.js";
import { cli, isolatedEnv } from "./test/run-cli.js";

// The CLI against a real API over a test database: login and the config file, the
// runner lifecycle, jobs, usage export, and what each failure exits with.

let database: TestDatabase;
let temporal: TestTemporal;
let h: ApiHarness;
let slug: string;
let jobId: bigint;

beforeAll(async () => {
  database = await testDatabase();
  temporal = await testTemporal();
  h = await startHarness({ db: database.db, temporal });
  const workspace = await database.db
    .selectFrom("workspaces")
    .select("slug")
    .where("id", "=", h.tenant.workspaceId)
    .executeTakeFirstOrThrow();
  slug = workspace.slug;
  jobId = await jobOf(h, h.tenant);
  await database.db.insertInto("usage_events").values(usageEvent(h.tenant, jobId)).execute();
});
afterAll(async () => {
  await h.stop();
  await temporal.close();
  await database.close();
});

/** Flags for the first workspace with a token of `role`. */
function as(role: "viewer" | "member" | "admin" | "owner"): string[] {
  return ["--api-url", h.api.url, "--token", h.tokens.roles[role], "--workspace", slug];
}

describe("hangar login and the configuration", () => {
  it("saves the URL and token (0600), and flags beat the environment beat the file", async () => {
    const env = isolatedEnv();
    const login = await cli(["login", "--api-url", h.api.url], env, `${h.tokens.roles.admin}\n`);
    expect(login.stderr).toContain(`Logged in to ${h.api.url}`);
    expect(login.code).toBe(0);
    const path = configFilePath(env);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
    expect(saved).toEqual({ apiUrl: h.api.url, token: h.tokens.roles.admin, workspace: slug });
    expect(login.stdout + login.stderr).not.toContain(h.tokens.roles.admin);

    // The file alone: its URL, its token, its workspace.
    const whoami = await cli(["whoami", "--json"], env);
    expect(whoami.code).toBe(0);
    const me = JSON.parse(whoami.stdout) as {
      apiUrl: string;
      tokenSource: string;
      workspaces: { callerRole: string }[];
    };
    expect(me).toMatchObject({ apiUrl: h.api.url, tokenSource: "config file" });
    expect(me.workspaces.map((w) => w.callerRole)).toEqual(["admin"]);
    expect(whoami.stdout).not.toContain(h.tokens.roles.admin);

    // The environment beats the file: a bad HANGAR_TOKEN is used (and refused).
    const fromEnv = await cli(["whoami"], { ...env, HANGAR_TOKEN: "hgr_not-a-real-token" });
    expect(fromEnv.code).toBe(5);
    // A flag beats the environment.
    const fromFlag = await cli(["whoami", "--json", "--token", h.tokens.roles.viewer], {
      ...env,
      HANGAR_TOKEN: "hgr_not-a-real-token",
    });
    expect(fromFlag.code).toBe(0);
    expect(JSON.parse(fromFlag.stdout)).toMatchObject({ tokenSource: "flag" });
    // Another API never gets the file's token.
    const elsewhere = await cli(["whoami"], { ...env, HANGAR_API_URL: "http://127.0.0.1:1" });
    expect(elsewhere.code).toBe(78);
    expect(elsewhere.stderr).toContain("no API token for http://127.0.0.1:1");
  });

  it("refuses a token the API does not know, saving nothing", async () => {
    const env = isolatedEnv();
    const login = await cli(["login", "--api-url", h.api.url, "--token", "hgr_wrong"], env);
    expect(login.code).toBe(5);
    expect(login.stderr).toMatch(/^hangar: not authenticated: .*\nhint: .*hangar login/);
    expect(() => statSync(configFilePath(env))).toThrow();
  });
});

describe("hangar runners", () => {
  it("creates, lists (table and JSON), updates, suspends and removes a runner", async () => {
    const env = isolatedEnv();
    const created = await cli(
      [
        "runners",
        "create",
        "cli-build",
        "--offering",
        h.tenant.offeringId,
        "--label",
        "gpu,linux",
        "--min-idle",
        "0",
        "--max",
        "3",
        "--json",
        ...as("member"),
      ],
      env,
    );
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const runner = JSON.parse(created.stdout) as {
      id: string;
      labels: string[];
      maxRunners: number;
    };
    expect(runner).toMatchObject({ labels: ["gpu", "linux"], maxRunners: 3 });

    const table = await cli(["runners", "ls", ...as("viewer")], env);
    expect(table.code).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^NAME\s+STATUS\s+SIZE\s+OFFERING\/IMAGE\s+LABELS\s+IDLE\/MAX/);
    const row = rows.find((line) => line.startsWith("cli-build "));
    expect(row).toContain("gpu,linux");
    expect(row).toContain("0/3");
    expect(row).toContain(runner.id);
    // Columns line up: every row's id starts where the header's ID does.
    expect(row?.indexOf(runner.id)).toBe(header?.lastIndexOf("ID"));

    const json = await cli(["runners", "ls", "--json", ...as("viewer")], env);
    const listed = JSON.parse(json.stdout) as { id: string; name: string }[];
    expect(listed.map((r) => r.id)).toContain(runner.id);

    const updated = await cli(
      ["runners", "update", "cli-build", "--max", "5", "--label", "gpu", "--json", ...as("member")],
      env,
    );
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({
      id: runner.id,
      maxRunners: 5,
      labels: ["gpu"],
    });

    const suspended = await cli(["runners", "suspend", runner.id, ...as("member")], env);
    expect(suspended.code).toBe(0);
    expect(suspended.stdout).toBe(`suspended cli-build (${runner.id}): suspended\n`);

    const shown = await cli(["runners", "show", runner.id, ...as("viewer")], env);
    expect(shown.stdout).toMatch(/^Status\s+suspended/m);

    const removed = await cli(["runners", "rm", "cli-build", ...as("member")], env);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`deleting cli-build (${runner.id}): deleting`);
  });

  it("acts on several runners at once and reports each failure", async () => {
    const env = isolatedEnv();
    const ids: string[] = [];
    for (const name of ["bulk-a", "bulk-b"]) {
      const created = await cli(
        ["runners", "create", name, "--offering", h.tenant.offeringId, "--json", ...as("member")],
        env,
      );
      ids.push((JSON.parse(created.stdout) as { id: string }).id);
    }
    const missing = "00000000-0000-4000-8000-000000000000";
    const result = await cli(["runners", "suspend", ...ids, missing, ...as("member")], env);
    expect(result.stdout.split("\n").filter(Boolean)).toHaveLength(2);
    expect(result.stderr).toContain(`hangar: ${missing}: not found`);
    expect(result.stderr).toContain("hangar: 1 of 3 failed");
    expect(result.code).toBe(3);
  });

  it("tells a viewer clearly that it may not create runners (exit 4)", async () => {
    const result = await cli(
      ["runners", "create", "nope", "--offering", h.tenant.offeringId, ...as("viewer")],
      isolatedEnv(),
    );
    expect(result.code).toBe(4);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^hangar: permission denied: .+\nhint: .*role/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("hangar jobs", () => {
  it("lists and shows the seeded job with its timeline", async () => {
    const env = isolatedEnv();
    const table = await cli(["jobs", "ls", ...as("viewer")], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^ID\s+REPOSITORY\s+JOB\s+STATE/);
    expect(table.stdout).toContain(String(jobId));
    expect(table.stdout).toContain("completed/success");

    const filtered = await cli(
      ["jobs", "ls", "--status", "queued", "--json", ...as("viewer")],
      env,
    );
    expect(JSON.parse(filtered.stdout)).toEqual([]);

    const shown = await cli(["jobs", "show", String(jobId), ...as("viewer")], env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^State\s+completed\/success/m);
    expect(shown.stdout).toMatch(/^TIME\s+EVENT\s+DETAIL/m);
    expect(shown.stdout).toContain("2026-03-01 12:02:40Z");

    const json = await cli(["jobs", "show", String(jobId), "--json", ...as("viewer")], env);
    const body = JSON.parse(json.stdout) as { job: { id: string }; timeline: unknown[] };
    expect(body.job.id).toBe(String(jobId));
    expect(body.timeline.length).toBeGreaterThan(0);

    const missing = await cli(["jobs", "show", "999999999", ...as("viewer")], env);
    expect(missing.code).toBe(3);
  });
});

describe("hangar tokens, members and projects", () => {
  it("lists each as a table, and as the API's objects with --json", async () => {
    const env = isolatedEnv();
    for (const [group, header] of [
      ["tokens", /^NAME\s/],
      ["members", /^EMAIL\s+NAME\s+ROLE\s+SINCE\s+USER ID/],
      ["projects", /^NAME\s+DEFAULT\s+CREATED\s+ID/],
    ] as const) {
      const json = await cli([group, "ls", "--json", ...as("owner")], env);
      expect(json.code, `${group} ls --json: ${json.stderr}`).toBe(0);
      const items = JSON.parse(json.stdout) as unknown[];
      const table = await cli([group, "ls", ...as("owner")], env);
      expect(table.code).toBe(0);
      if (items.length === 0) {
        // An empty list says so on stderr, leaving stdout empty for scripts.
        expect(table.stdout).toBe("");
        expect(table.stderr).toMatch(/^No /);
      } else {
        expect(table.stdout).toMatch(header);
        expect(table.stdout.trimEnd().split("\n")).toHaveLength(items.length + 1);
      }
    }
  });
});

describe("hangar installations", () => {
  it("lists each installation with its repositories", async () => {
    const result = await cli(["installations", "ls", "--json", ...as("viewer")], isolatedEnv());
    expect(result.code, result.stderr).toBe(0);
    const listed = JSON.parse(result.stdout) as {
      installation: { installationId: string };
      repositories: { id: string }[];
    }[];
    expect(listed.map((entry) => BigInt(entry.installation.installationId))).toContain(
      h.tenant.installationId,
    );
    const own = listed.find(
      (entry) => BigInt(entry.installation.installationId) === h.tenant.installationId,
    );
    expect(own?.repositories.length).toBeGreaterThan(0);
  });
});

describe("hangar usage", () => {
  it("exports the same CSV as the API's download, to stdout and to a file", async () => {
    const env = isolatedEnv();
    const response = await fetch(
      `${h.api.url}/v1/workspaces/${h.tenant.workspaceId}/usage.csv?month=2026-03`,
      {
        headers: { authorization: `Bearer ${h.tokens.roles.admin}` },
      },
    );
    const expected = await response.text();
    expect(expected).toContain("0.024000");

    const exported = await cli(["usage", "export", "--month", "2026-03", ...as("admin")], env);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(expected);

    const file = join(env["HOME"] ?? "", "usage.csv");
    const toFile = await cli(
      ["usage", "export", "--month", "2026-03", "-o", file, ...as("admin")],
      env,
    );
    expect(toFile.code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(expected);

    const shown = await cli(
      ["usage", "show", "--month", "2026-03", "--daily", ...as("viewer")],
      env,
    );
    expect(shown.stdout).toMatch(/^Total USD: 0\.024000 for 1 jobs/m);
    expect(shown.stdout).toMatch(/^2026-03-01\s/m);
  });
});

describe("what failures exit with", () => {
  it("3 for a workspace the token cannot see", async () => {
    const result = await cli(
      [
        "runners",
        "ls",
        "--api-url",
        h.api.url,
        "--token",
        h.tokens.roles.viewer,
        "-w",
        "no-such-workspace",
      ],
      isolatedEnv(),
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'hangar: no workspace "no-such-workspace" is visible to this token\n',
    );
    const otherTenant = await cli(
      [
        "runners",
        "ls",
        "--api-url",
        h.api.url,
        "--token",
        h.tokens.roles.viewer,
        "-w",
        h.other.workspaceId,
      ],
      isolatedEnv(),
    );
    expect(otherTenant.code).toBe(3);
  });

  it("5 for a bad token, 69 for an unreachable API, 2 for a usage error", async () => {
    const bad = await cli(
      ["runners", "ls", "--api-url", h.api.url, "--token", "hgr_bogus", "-w", slug],
      isolatedEnv(),
    );
    expect(bad.code).toBe(5);
    const unreachable = await cli(
      ["runners", "ls", "--api-url", "http://127.0.0.1:1", "--token", "hgr_x", "-w", slug],
      isolatedEnv(),
    );
    expect(unreachable.code).toBe(69);
    expect(unreachable.stderr).toContain("is `npm start` running?");
    const usage = await cli(["runners", "ls", "--limit", "zero"], isolatedEnv());
    expect(usage.code).toBe(2);
    const unknown = await cli(["runnerz"], isolatedEnv());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'runnerz'");
  });
});

describe("--help", () => {
  function paths(command: Command, prefix: string[] = []): string[][] {
    return command.commands.flatMap((sub) => {
      const path = [...prefix, sub.name()];
      return [path, ...paths(sub, path)];
    });
  }

  it("exits 0 and prints usage for every command", async () => {
    const program = buildProgram(
      {
        stdout: { write: () => true },
        stderr: { write: () => true },
        env: {},
        stdinIsTTY: true,
        readStdin: () => Promise.resolve(""),
      },
      commands,
    );
    const all = paths(program);
    expect(all.length).toBeGreaterThan(30);
    for (const path of [[], ...all]) {
      const result = await cli([...path, "--help"], isolatedEnv());
      expect({ path, code: result.code }).toEqual({ path, code: 0 });
      expect(result.stdout).toContain(`Usage: hangar${path.length ? ` ${path.join(" ")}` : ""}`);
    }
  });

  it("runs from the real entry point", () => {
    const root = join(import.meta.dirname, "../../..");
    const result = spawnSync(
      process.execPath,
      ["--import", "tsx", "packages/cli/src/main.ts", "--help"],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Usage: hangar [options] [command]");
    expect(result.stdout).toContain("runners");
  });
});
