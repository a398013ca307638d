import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import { startHarness, type ApiHarness } from "@hangar/server/api/test/harness.js";
import { cli, isolatedEnv } from "../test/run-cli.js";

// `hangar admin bootstrap` against a real database, and its tokens against the real API
// over that database: what it makes, what the API then allows, when it refuses to run
// again, what rotating does, and how each failure exits.

let database: TestDatabase;
let temporal: TestTemporal;
let h: ApiHarness;

beforeAll(async () => {
  database = await testDatabase();
  temporal = await testTemporal();
  h = await startHarness({ db: database.db, temporal });
});
afterAll(async () => {
  await h.stop();
  await temporal.close();
  await database.close();
});

function dbEnv(): NodeJS.ProcessEnv {
  return isolatedEnv({ HANGAR_DATABASE_URL: database.url });
}

/** `hangar <argv>` against the test API with `token`. */
function withToken(token: string, argv: string[]) {
  return cli([...argv, "--api-url", h.api.url, "--token", token], isolatedEnv());
}

async function workspacesSeenBy(token: string) {
  const listed = await withToken(token, ["workspaces", "ls", "--json"]);
  expect(listed.stderr).toBe("");
  expect(listed.code).toBe(0);
  return JSON.parse(listed.stdout) as { slug: string; name: string; callerRole: string }[];
}

describe("hangar admin bootstrap", () => {
  it("creates a workspace and an owner token the API accepts, audited, the secret alone on stdout", async () => {
    const run = await cli(
      ["admin", "bootstrap", "--workspace", "platform", "--name", "Platform", "--platform-admin"],
      dbEnv(),
    );
    expect(run.stderr).toContain("Created workspace platform");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^hgr_[A-Za-z0-9_-]{40}\n$/);
    const token = run.stdout.trim();
    expect(run.stderr).not.toContain(token);

    expect(await workspacesSeenBy(token)).toEqual([
      expect.objectContaining({ slug: "platform", name: "Platform", callerRole: "owner" }),
    ]);
    // Platform administrator: CreateWorkspace is refused to any other token.
    const created = await withToken(token, ["workspaces", "create", "payments", "--json"]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);

    const row = await database.db
      .selectFrom("api_tokens as t")
      .innerJoin("workspaces as w", "w.id", "t.workspace_id")
      .select(["t.id", "t.role", "t.name", "t.expires_at", "t.created_at"])
      .where("w.slug", "=", "platform")
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ role: "owner", name: "bootstrap" });
    const days = ((row.expires_at?.getTime() ?? 0) - row.created_at.getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(90);
    const audit = await database.db
      .selectFrom("audit_log")
      .select(["actor", "action", "object_type"])
      .where("actor", "=", "system:bootstrap")
      .orderBy("id")
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      "workspace.create",
      "project.create",
      "token.create",
    ]);
  });

  it("without --platform-admin makes a workspace owner who may not create workspaces", async () => {
    const run = await cli(["admin", "bootstrap", "-w", "team-a", "--no-expiry"], dbEnv());
    expect(run.code).toBe(0);
    const token = run.stdout.trim();
    expect(await workspacesSeenBy(token)).toEqual([
      expect.objectContaining({ slug: "team-a", name: "team-a", callerRole: "owner" }),
    ]);
    const refused = await withToken(token, ["workspaces", "create", "team-b"]);
    expect(refused.code).toBe(4);
    const expiry = await database.db
      .selectFrom("api_tokens as t")
      .innerJoin("workspaces as w", "w.id", "t.workspace_id")
      .select("t.expires_at")
      .where("w.slug", "=", "team-a")
      .executeTakeFirstOrThrow();
    expect(expiry.expires_at).toBeNull();
  });

  it("refuses a second run, then --rotate revokes the earlier token for a new one", async () => {
    const first = await cli(["admin", "bootstrap", "-w", "ops", "--platform-admin"], dbEnv());
    expect(first.code).toBe(0);
    const old = first.stdout.trim();

    const again = await cli(["admin", "bootstrap", "-w", "ops", "--platform-admin"], dbEnv());
    expect(again.code).toBe(1);
    expect(again.stdout).toBe("");
    expect(again.stderr).toMatch(
      /^hangar: workspace ops already has a bootstrap token: "bootstrap" hgr_.{8}… \([0-9a-f-]{36}\), created .+, expires .+\nhint: --rotate revokes it/,
    );
    // Refusing changed nothing: the first token still works.
    expect(await workspacesSeenBy(old)).toHaveLength(1);

    const rotated = await cli(
      ["admin", "bootstrap", "-w", "ops", "--rotate", "--json", "--token-name", "ops root"],
      dbEnv(),
    );
    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toContain("Using the existing workspace ops");
    expect(rotated.stderr).toContain("Revoked the earlier bootstrap token");
    // The new token was not asked to be platform administrator, unlike the one it replaces.
    expect(rotated.stderr).toContain("warning: the revoked token was platform administrator");
    const json = JSON.parse(rotated.stdout) as Record<string, string>;
    expect(Object.keys(json).sort()).toEqual(["token", "tokenId", "workspaceId"]);
    expect(json["token"]).toMatch(/^hgr_/);

    const rejected = await withToken(old, ["workspaces", "ls"]);
    expect(rejected.code).toBe(5);
    expect(rejected.stderr).toMatch(/^hangar: not authenticated/);
    const seen = await workspacesSeenBy(json["token"] ?? "");
    expect(seen).toEqual([expect.objectContaining({ slug: "ops", callerRole: "owner" })]);
    const workspace = await database.db
      .selectFrom("workspaces")
      .select("id")
      .where("slug", "=", "ops")
      .executeTakeFirstOrThrow();
    expect(json["workspaceId"]).toBe(workspace.id);
    const revokes = await database.db
      .selectFrom("audit_log")
      .select("object_id")
      .where("actor", "=", "system:bootstrap")
      .where("action", "=", "token.revoke")
      .execute();
    expect(revokes).toHaveLength(1);
    // Another run still finds one live bootstrap token: the rotated one.
    const third = await cli(["admin", "bootstrap", "-w", "ops"], dbEnv());
    expect(third.code).toBe(1);
    expect(third.stderr).toContain(`"ops root"`);
  });
});

describe("two runs at once", () => {
  it("on an existing workspace make one token: the other runs are refused", async () => {
    // Made through the API, so that the runs race only on the token.
    const made = await withToken(h.tokens.platformAdmin, ["workspaces", "create", "racing"]);
    expect(made.code).toBe(0);
    const runs = await Promise.all(
      [1, 2, 3].map(() => cli(["admin", "bootstrap", "-w", "racing"], dbEnv())),
    );
    expect(runs.map((run) => run.code).sort()).toEqual([0, 1, 1]);
    for (const run of runs.filter((r) => r.code === 1)) {
      expect(run.stderr).toContain("workspace racing already has a bootstrap token");
    }
    const tokens = await database.db
      .selectFrom("api_tokens as t")
      .innerJoin("workspaces as w", "w.id", "t.workspace_id")
      .select("t.id")
      .where("w.slug", "=", "racing")
      .execute();
    expect(tokens).toHaveLength(1);
  });
});

describe("what hangar admin bootstrap refuses", () => {
  it("78 without a database URL, 69 for an unreachable database, 2 for bad values", async () => {
    const none = await cli(["admin", "bootstrap", "-w", "x"], isolatedEnv());
    expect(none.code).toBe(78);
    expect(none.stderr).toMatch(/^hangar: no database URL: set HANGAR_DATABASE_URL/);

    const unreachable = await cli(
      ["admin", "bootstrap", "-w", "x"],
      isolatedEnv({ DATABASE_URL: "postgres://hangar:secret@127.0.0.1:1/hangar" }),
    );
    expect(unreachable.code).toBe(69);
    expect(unreachable.stderr).toContain("cannot reach the database at 127.0.0.1:1/hangar");
    expect(unreachable.stderr).not.toContain("secret");

    const noSlug = await cli(["admin", "bootstrap"], dbEnv());
    expect(noSlug.code).toBe(2);
    const badSlug = await cli(["admin", "bootstrap", "-w", "Not_A_Slug"], dbEnv());
    expect(badSlug.code).toBe(2);
    expect(badSlug.stderr).toContain("slug must be lowercase");
    const both = await cli(
      ["admin", "bootstrap", "-w", "x", "--expires-in", "7d", "--no-expiry"],
      dbEnv(),
    );
    expect(both.code).toBe(2);
    const badSpan = await cli(["admin", "bootstrap", "-w", "x", "--expires-in", "soon"], dbEnv());
    expect(badSpan.code).toBe(2);
    const made = await database.db
      .selectFrom("workspaces")
      .select("id")
      .where("slug", "in", ["x", "Not_A_Slug"])
      .execute();
    expect(made).toEqual([]);
  });

  it("refuses a database with pending migrations, saying to run hangar migrate", async () => {
    const behind = await testDatabase({ max: 1 });
    try {
      const { rows } = await behind.pool.query<{ version: number }>(
        "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations) RETURNING version",
      );
      const version = String(rows[0]?.version ?? "").padStart(4, "0");
      const run = await cli(
        ["admin", "bootstrap", "-w", "early"],
        isolatedEnv({ HANGAR_DATABASE_URL: behind.url }),
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(
        new RegExp(
          `^hangar: the database is not at this release's schema: 1 migration\\(s\\) pending \\(${version}_`,
        ),
      );
      expect(run.stderr).toContain("hint: run `hangar migrate` first");
      const made = await behind.db
        .selectFrom("workspaces")
        .select("id")
        .where("slug", "=", "early")
        .execute();
      expect(made).toEqual([]);
    } finally {
      await behind.close();
    }
  });
});
