import { randomUUID } from "node:crypto";
import { sql, type RawBuilder } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import { check, checkAction, checkQuery, listObjects, listObjectsQuery } from "./check.js";
import { actions, roles, userSubject, tokenSubject, type Action, type Role } from "./model.js";
import { parseTuple } from "./tuples.js";
import { grantRole, writeProjectTuples, writeTuples, writeWorkspaceTuples } from "./write.js";

// check() and listObjects() against real PostgreSQL, with the model's tuples written by
// the same writers the API uses.

let t: TestDatabase;

beforeAll(async () => {
  t = await testDatabase();
});

afterAll(async () => {
  await t.close();
});

/** Writes a workspace with `projects` projects and their tuples; ids only, no rows needed. */
async function workspaceWith(projects: number): Promise<{ workspace: string; projects: string[] }> {
  const workspace = randomUUID();
  const projectIds = Array.from({ length: projects }, () => randomUUID());
  await t.db.transaction().execute(async (trx) => {
    await writeWorkspaceTuples(trx, workspace);
    for (const project of projectIds) await writeProjectTuples(trx, workspace, project);
  });
  return { workspace, projects: projectIds };
}

async function grant(
  namespace: "workspace" | "project" | "platform",
  object: string,
  role: string,
  subject: string,
): Promise<void> {
  await t.db.transaction().execute((trx) => grantRole(trx, { namespace, object, role, subject }));
}

const letter: Record<Role, string> = { owner: "O", admin: "A", member: "M", viewer: "V" };

// Which roles may do each action, by where the role was granted. Written out by hand
// rather than derived from the model, so a change to the model has to change this too.
const allowedByWorkspaceRole: Record<Action, string> = {
  "workspace.read": "OAMV",
  "usage.read": "OAMV",
  "member.read": "OAMV",
  "installation.read": "OAMV",
  "project.read": "OAMV",
  "runner.read": "OAMV",
  "job.read": "OAMV",
  "runner.write": "OAM",
  "project.write": "OA",
  "token.read": "OA",
  "token.write": "OA",
  "credential.write": "OA",
  "member.write": "OA",
  "installation.write": "OA",
  "audit.read": "OA",
  "usage.export": "OA",
  "owner.write": "O",
  "workspace.rename": "O",
  "workspace.delete": "O",
  "offering.write": "",
  "installation.link": "",
};
const allowedByProjectRole: Record<Action, string> = {
  ...(Object.fromEntries(actions.map((action) => [action, ""])) as Record<Action, string>),
  "project.read": "OAMV",
  "runner.read": "OAMV",
  "job.read": "OAMV",
  "runner.write": "OAM",
};

describe("check: each role × each action", () => {
  let target: { workspaceId: string; projectId: string };
  const workspaceUsers = new Map<Role, string>();
  const projectUsers = new Map<Role, string>();
  const platformAdmin = userSubject(randomUUID());
  const stranger = userSubject(randomUUID());

  beforeAll(async () => {
    const { workspace, projects } = await workspaceWith(2);
    target = { workspaceId: workspace, projectId: projects[0]! };
    for (const role of roles) {
      workspaceUsers.set(role, userSubject(randomUUID()));
      projectUsers.set(role, userSubject(randomUUID()));
      await grant("workspace", workspace, role, workspaceUsers.get(role)!);
      await grant("project", projects[0]!, role, projectUsers.get(role)!);
    }
    await grant("platform", "hangar", "admin", platformAdmin);
  });

  const cases = roles.flatMap((role) => actions.map((action) => ({ role, action })));

  it.each(cases)("workspace $role → $action", async ({ role, action }) => {
    const expected = allowedByWorkspaceRole[action].includes(letter[role]);
    expect(await checkAction(t.db, workspaceUsers.get(role)!, action, target)).toBe(expected);
  });

  it.each(cases)("project $role → $action", async ({ role, action }) => {
    const expected = allowedByProjectRole[action].includes(letter[role]);
    expect(await checkAction(t.db, projectUsers.get(role)!, action, target)).toBe(expected);
  });

  it("gives a platform admin the offering catalog, linking, and nothing inside workspaces", async () => {
    for (const action of actions) {
      expect(await checkAction(t.db, platformAdmin, action, target)).toBe(
        action === "offering.write" || action === "installation.link",
      );
    }
  });

  it("answers false for everything to a subject with no tuples", async () => {
    for (const action of actions) {
      expect(await checkAction(t.db, stranger, action, target)).toBe(false);
    }
    for (const role of roles) {
      expect(
        await check(t.db, {
          namespace: "workspace",
          object: target.workspaceId,
          relation: role,
          subject: stranger,
        }),
      ).toBe(false);
    }
  });
});

describe("check: inheritance", () => {
  it("carries workspace roles to every project of that workspace and no other", async () => {
    const a = await workspaceWith(2);
    const b = await workspaceWith(1);
    const user = userSubject(randomUUID());
    await grant("workspace", a.workspace, "member", user);
    for (const project of a.projects) {
      expect(
        await checkAction(t.db, user, "runner.write", {
          workspaceId: a.workspace,
          projectId: project,
        }),
      ).toBe(true);
    }
    expect(
      await checkAction(t.db, user, "runner.read", {
        workspaceId: b.workspace,
        projectId: b.projects[0]!,
      }),
    ).toBe(false);
    expect(
      await check(t.db, {
        namespace: "project",
        object: a.projects[0]!,
        relation: "admin",
        subject: user,
      }),
    ).toBe(false);
  });

  it("keeps a direct project grant to that project", async () => {
    const { workspace, projects } = await workspaceWith(2);
    const user = userSubject(randomUUID());
    await grant("project", projects[0]!, "admin", user);
    expect(
      await check(t.db, {
        namespace: "project",
        object: projects[0]!,
        relation: "viewer",
        subject: user,
      }),
    ).toBe(true);
    expect(
      await check(t.db, {
        namespace: "project",
        object: projects[1]!,
        relation: "viewer",
        subject: user,
      }),
    ).toBe(false);
    expect(
      await check(t.db, {
        namespace: "workspace",
        object: workspace,
        relation: "viewer",
        subject: user,
      }),
    ).toBe(false);
  });

  it("adds a project grant to a lower workspace role", async () => {
    const { workspace, projects } = await workspaceWith(1);
    const user = userSubject(randomUUID());
    await grant("workspace", workspace, "viewer", user);
    await grant("project", projects[0]!, "member", user);
    const target = { workspaceId: workspace, projectId: projects[0]! };
    expect(await checkAction(t.db, user, "runner.write", target)).toBe(true);
    expect(await checkAction(t.db, user, "project.write", target)).toBe(false);
  });

  it("treats tokens like users", async () => {
    const { workspace, projects } = await workspaceWith(1);
    const token = tokenSubject(randomUUID());
    await grant("workspace", workspace, "admin", token);
    const target = { workspaceId: workspace, projectId: projects[0]! };
    expect(await checkAction(t.db, token, "token.write", target)).toBe(true);
    expect(await checkAction(t.db, token, "workspace.delete", target)).toBe(false);
  });
});

describe("check: walking the graph", () => {
  async function tuples(...texts: string[]): Promise<void> {
    await t.db.transaction().execute((trx) => writeTuples(trx, texts.map(parseTuple)));
  }

  it("ends on cycles, whether or not the subject is in them", async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await tuples(
      `workspace:${a}#viewer@workspace:${b}#viewer`,
      `workspace:${b}#viewer@workspace:${c}#viewer`,
      `workspace:${c}#viewer@workspace:${a}#viewer`,
      `workspace:${a}#viewer@workspace:${a}#viewer`,
      `workspace:${c}#viewer@user:inside`,
    );
    const ref = { namespace: "workspace", object: a, relation: "viewer" };
    expect(await check(t.db, { ...ref, subject: "user:inside" })).toBe(true);
    expect(await check(t.db, { ...ref, subject: "user:outside" })).toBe(false);
    expect(
      await listObjects(t.db, {
        namespace: "workspace",
        relation: "viewer",
        subject: "user:inside",
      }),
    ).toEqual([a, b, c].sort());
  });

  it("follows at most maxDepth subject sets", async () => {
    const ids = Array.from({ length: 11 }, () => randomUUID());
    // ids[0] ← ids[1] ← … ← ids[10], and the user is a direct viewer of ids[10]:
    // ten hops from ids[0].
    await tuples(
      ...ids.slice(1).map((id, i) => `workspace:${ids[i]!}#viewer@workspace:${id}#viewer`),
      `workspace:${ids[10]!}#viewer@user:deep`,
    );
    const request = {
      namespace: "workspace",
      object: ids[0]!,
      relation: "viewer",
      subject: "user:deep",
    };
    expect(await check(t.db, request)).toBe(false);
    expect(await check(t.db, request, { maxDepth: 9 })).toBe(false);
    expect(await check(t.db, request, { maxDepth: 10 })).toBe(true);
    const list = { namespace: "workspace", relation: "viewer", subject: "user:deep" };
    expect(await listObjects(t.db, list)).toHaveLength(9);
    expect(await listObjects(t.db, list, { maxDepth: 10 })).toEqual([...ids].sort());
    await expect(check(t.db, request, { maxDepth: 100 })).rejects.toThrow(RangeError);
  });

  it("rejects malformed requests before reaching the database", async () => {
    await expect(
      check(t.db, {
        namespace: "workspace",
        object: "x'; --",
        relation: "viewer",
        subject: "user:u",
      }),
    ).rejects.toThrow("invalid object");
    await expect(
      check(t.db, { namespace: "workspace", object: "x", relation: "viewer", subject: "nobody" }),
    ).rejects.toThrow("expected namespace:id");
  });
});

describe("listObjects", () => {
  it("lists the workspaces and projects a subject reaches, each once", async () => {
    const owned = await workspaceWith(2);
    const viewed = await workspaceWith(1);
    const other = await workspaceWith(2);
    await workspaceWith(3);
    const user = userSubject(randomUUID());
    await grant("workspace", owned.workspace, "owner", user);
    await grant("workspace", viewed.workspace, "viewer", user);
    await grant("project", other.projects[1]!, "member", user);

    const list = (namespace: string, relation: string) =>
      listObjects(t.db, { namespace, relation, subject: user });
    expect(await list("workspace", "viewer")).toEqual([owned.workspace, viewed.workspace].sort());
    expect(await list("workspace", "admin")).toEqual([owned.workspace]);
    expect(await list("project", "viewer")).toEqual(
      [...owned.projects, ...viewed.projects, other.projects[1]!].sort(),
    );
    expect(await list("project", "member")).toEqual([...owned.projects, other.projects[1]!].sort());
    expect(await list("platform", "admin")).toEqual([]);
  });

  it("lists nothing for a subject with no tuples", async () => {
    expect(
      await listObjects(t.db, {
        namespace: "workspace",
        relation: "viewer",
        subject: userSubject(randomUUID()),
      }),
    ).toEqual([]);
  });
});

describe("query plans", () => {
  /** Every relation_tuples scan in the plan of a statement, as "<node type> <index>". */
  async function scans(query: RawBuilder<unknown>): Promise<string[]> {
    const compiled = query.compile(t.db);
    const { rows } = await t.pool.query<{ "QUERY PLAN": unknown }>(
      `EXPLAIN (FORMAT JSON) ${compiled.sql}`,
      [...compiled.parameters],
    );
    const found: string[] = [];
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(visit);
      else if (typeof node === "object" && node !== null) {
        const plan = node as Record<string, unknown>;
        if (plan["Relation Name"] === "relation_tuples") {
          found.push(`${String(plan["Node Type"])} ${String(plan["Index Name"])}`);
        }
        Object.values(plan).forEach(visit);
      }
    };
    visit(rows[0]?.["QUERY PLAN"]);
    return found;
  }

  beforeAll(async () => {
    // Unrelated tuples, as in a real table, so that the plans are the ones production gets.
    await sql`
      INSERT INTO relation_tuples (namespace, object, relation, subject_id)
      SELECT 'workspace', md5(i::text), (ARRAY['owner','admin','member','viewer'])[1 + i % 4],
             'user:' || md5((i * 7)::text)
      FROM generate_series(1, 20000) i`.execute(t.db);
    await sql`
      INSERT INTO relation_tuples (namespace, object, relation,
        subject_set_namespace, subject_set_object, subject_set_relation)
      SELECT 'workspace', md5(i::text), 'viewer', 'workspace', md5(i::text), 'member'
      FROM generate_series(1, 5000) i`.execute(t.db);
    await sql`ANALYZE relation_tuples`.execute(t.db);
  });

  const indexScan = /^(Index Scan|Index Only Scan|Bitmap Index Scan) relation_tuples_/;

  it("check probes relation_tuples through its indexes only", async () => {
    const plan = await scans(
      checkQuery({ namespace: "project", object: "p", relation: "viewer", subject: "user:u" }, 8),
    );
    expect(plan.length).toBeGreaterThanOrEqual(2);
    for (const scan of plan) expect(scan).toMatch(indexScan);
    expect(plan.some((scan) => scan.endsWith("relation_tuples_key"))).toBe(true);
  });

  it("listObjects walks up through the subject indexes", async () => {
    const plan = await scans(
      listObjectsQuery({ namespace: "workspace", relation: "viewer", subject: "user:u" }, 8),
    );
    expect(plan.length).toBeGreaterThanOrEqual(2);
    for (const scan of plan) expect(scan).toMatch(indexScan);
    expect(plan.some((scan) => scan.includes("relation_tuples_subject_id_idx"))).toBe(true);
    expect(plan.some((scan) => scan.includes("relation_tuples_subject_set_idx"))).toBe(true);
  });
});
