import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, uniqueSuffix, type TestDatabase } from "@hangar/testkit";
import { check, listObjects } from "./check.js";
import { expand, subjectsIn, type ExpandTree } from "./expand.js";
import { userSubject, tokenSubject } from "./model.js";
import { formatRelationRef, parseTuple } from "./tuples.js";
import {
  deleteObjectTuples,
  deleteWorkspaceTuples,
  grantRole,
  revokeAll,
  revokeRole,
  revokeWorkspaceAccess,
  writeProjectTuples,
  writeTuples,
  writeWorkspaceTuples,
  type Grant,
} from "./write.js";

// Tuple maintenance: grants replace, revocations and deletions leave nothing that still
// grants access, and every writer can run twice.

let t: TestDatabase;

beforeAll(async () => {
  t = await testDatabase();
});

afterAll(async () => {
  await t.close();
});

let sequence = 0;
/** A workspace and its projects as rows (the workspace-wide writers read projects) and tuples. */
async function createWorkspace(projects = 2): Promise<{ workspace: string; projects: string[] }> {
  sequence += 1;
  const name = `authz-${sequence}-${uniqueSuffix()}`.slice(0, 60);
  return t.db.transaction().execute(async (trx) => {
    const { id: workspace } = await trx
      .insertInto("workspaces")
      .values({ slug: name, name, namespace: name })
      .returning("id")
      .executeTakeFirstOrThrow();
    await writeWorkspaceTuples(trx, workspace);
    const ids: string[] = [];
    for (let i = 0; i < projects; i++) {
      const { id } = await trx
        .insertInto("projects")
        .values({ workspace_id: workspace, name: `p${i}` })
        .returning("id")
        .executeTakeFirstOrThrow();
      await writeProjectTuples(trx, workspace, id);
      ids.push(id);
    }
    return { workspace, projects: ids };
  });
}

const grant = (g: Grant) => t.db.transaction().execute((trx) => grantRole(trx, g));

const has = (namespace: string, object: string, relation: string, subject: string) =>
  check(t.db, { namespace, object, relation, subject });

async function countTuples(): Promise<number> {
  const { n } = await t.db
    .selectFrom("relation_tuples")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(n);
}

describe("tuple writers", () => {
  it("are idempotent", async () => {
    const { workspace, projects } = await createWorkspace(1);
    const user = userSubject(randomUUID());
    await grant({ namespace: "workspace", object: workspace, role: "admin", subject: user });
    const before = await countTuples();
    await t.db.transaction().execute(async (trx) => {
      await writeWorkspaceTuples(trx, workspace);
      await writeProjectTuples(trx, workspace, projects[0]!);
      await grantRole(trx, {
        namespace: "workspace",
        object: workspace,
        role: "admin",
        subject: user,
      });
      await writeTuples(trx, [parseTuple(`workspace:${workspace}#admin@${user}`)]);
    });
    expect(await countTuples()).toBe(before);
  });

  it("write nothing when the transaction rolls back", async () => {
    const { workspace } = await createWorkspace(0);
    const user = userSubject(randomUUID());
    await expect(
      t.db.transaction().execute(async (trx) => {
        await grantRole(trx, {
          namespace: "workspace",
          object: workspace,
          role: "owner",
          subject: user,
        });
        throw new Error("handler failed");
      }),
    ).rejects.toThrow("handler failed");
    expect(await has("workspace", workspace, "viewer", user)).toBe(false);
  });

  it("refuse roles a namespace does not have and subjects that are not users or tokens", async () => {
    const { workspace } = await createWorkspace(0);
    await expect(
      grant({ namespace: "workspace", object: workspace, role: "superuser", subject: "user:u" }),
    ).rejects.toThrow("not a role of workspace");
    await expect(
      grant({ namespace: "platform", object: "hangar", role: "owner", subject: "user:u" }),
    ).rejects.toThrow("not a role of platform");
    await expect(
      grant({ namespace: "workspace", object: workspace, role: "admin", subject: "group:g" }),
    ).rejects.toThrow("expected user or token");
  });
});

describe("grantRole", () => {
  it("replaces the subject's other role on the object, and only there", async () => {
    const a = await createWorkspace(1);
    const b = await createWorkspace(0);
    const user = userSubject(randomUUID());
    await grant({ namespace: "workspace", object: a.workspace, role: "owner", subject: user });
    await grant({ namespace: "workspace", object: b.workspace, role: "member", subject: user });
    await grant({ namespace: "project", object: a.projects[0]!, role: "admin", subject: user });
    await grant({ namespace: "workspace", object: a.workspace, role: "viewer", subject: user });

    expect(await has("workspace", a.workspace, "owner", user)).toBe(false);
    expect(await has("workspace", a.workspace, "member", user)).toBe(false);
    expect(await has("workspace", a.workspace, "viewer", user)).toBe(true);
    expect(await has("workspace", b.workspace, "member", user)).toBe(true);
    expect(await has("project", a.projects[0]!, "admin", user)).toBe(true);
    const direct = await t.db
      .selectFrom("relation_tuples")
      .select(["namespace", "relation"])
      .where("subject_id", "=", user)
      .orderBy("namespace")
      .orderBy("relation")
      .execute();
    expect(direct).toEqual([
      { namespace: "project", relation: "admin" },
      { namespace: "workspace", relation: "member" },
      { namespace: "workspace", relation: "viewer" },
    ]);
  });

  it("leaves one role when two grants to the same subject race", async () => {
    const { workspace } = await createWorkspace(0);
    const user = userSubject(randomUUID());
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        (["admin", "viewer"] as const).map((role) =>
          grant({ namespace: "workspace", object: workspace, role, subject: user }),
        ),
      );
      const held = await t.db
        .selectFrom("relation_tuples")
        .select("relation")
        .where("subject_id", "=", user)
        .execute();
      expect(held).toHaveLength(1);
    }
  });
});

describe("revocation", () => {
  it("revokeRole takes away one object's direct role", async () => {
    const { workspace, projects } = await createWorkspace(1);
    const user = userSubject(randomUUID());
    await grant({ namespace: "workspace", object: workspace, role: "member", subject: user });
    await grant({ namespace: "project", object: projects[0]!, role: "admin", subject: user });
    await t.db
      .transaction()
      .execute((trx) =>
        revokeRole(trx, { namespace: "project", object: projects[0]!, subject: user }),
      );
    expect(await has("project", projects[0]!, "admin", user)).toBe(false);
    expect(await has("project", projects[0]!, "member", user)).toBe(true);
  });

  it("revokeWorkspaceAccess removes a member from one workspace and its projects only", async () => {
    const a = await createWorkspace(2);
    const b = await createWorkspace(1);
    const user = userSubject(randomUUID());
    await grant({ namespace: "workspace", object: a.workspace, role: "viewer", subject: user });
    await grant({ namespace: "project", object: a.projects[1]!, role: "admin", subject: user });
    await grant({ namespace: "workspace", object: b.workspace, role: "admin", subject: user });
    await t.db.transaction().execute((trx) => revokeWorkspaceAccess(trx, a.workspace, user));

    for (const project of a.projects)
      expect(await has("project", project, "viewer", user)).toBe(false);
    expect(await has("workspace", a.workspace, "viewer", user)).toBe(false);
    expect(await has("project", b.projects[0]!, "admin", user)).toBe(true);
    expect(
      await listObjects(t.db, { namespace: "workspace", relation: "viewer", subject: user }),
    ).toEqual([b.workspace]);
  });

  it("revokeAll takes everything from a revoked token", async () => {
    const a = await createWorkspace(1);
    const b = await createWorkspace(1);
    const token = tokenSubject(randomUUID());
    const other = tokenSubject(randomUUID());
    await grant({ namespace: "workspace", object: a.workspace, role: "owner", subject: token });
    await grant({ namespace: "project", object: b.projects[0]!, role: "member", subject: token });
    await grant({ namespace: "workspace", object: a.workspace, role: "viewer", subject: other });
    await t.db.transaction().execute((trx) => revokeAll(trx, token));

    expect(
      await listObjects(t.db, { namespace: "project", relation: "viewer", subject: token }),
    ).toEqual([]);
    expect(await has("workspace", a.workspace, "viewer", token)).toBe(false);
    expect(await has("workspace", a.workspace, "viewer", other)).toBe(true);
  });
});

describe("deletion", () => {
  it("deleteObjectTuples removes a project's tuples and what pointed at it", async () => {
    const { workspace, projects } = await createWorkspace(2);
    const owner = userSubject(randomUUID());
    const direct = userSubject(randomUUID());
    await grant({ namespace: "workspace", object: workspace, role: "owner", subject: owner });
    await grant({ namespace: "project", object: projects[0]!, role: "member", subject: direct });
    // A subject set naming the project from elsewhere must go with it.
    await t.db
      .transaction()
      .execute((trx) =>
        writeTuples(trx, [
          parseTuple(`project:${projects[1]!}#viewer@project:${projects[0]!}#member`),
        ]),
      );
    expect(await has("project", projects[1]!, "viewer", direct)).toBe(true);

    await t.db.transaction().execute((trx) => deleteObjectTuples(trx, "project", projects[0]!));
    const left = await t.db
      .selectFrom("relation_tuples")
      .select("id")
      .where((eb) =>
        eb.or([eb("object", "=", projects[0]!), eb("subject_set_object", "=", projects[0]!)]),
      )
      .execute();
    expect(left).toEqual([]);
    expect(await has("project", projects[0]!, "viewer", owner)).toBe(false);
    expect(await has("project", projects[1]!, "viewer", direct)).toBe(false);
    expect(await has("project", projects[1]!, "viewer", owner)).toBe(true);
  });

  it("deleteWorkspaceTuples leaves no access to the workspace or its projects", async () => {
    const { workspace, projects } = await createWorkspace(2);
    const other = await createWorkspace(1);
    const users = [randomUUID(), randomUUID()].map(userSubject);
    await grant({ namespace: "workspace", object: workspace, role: "owner", subject: users[0]! });
    await grant({ namespace: "project", object: projects[1]!, role: "admin", subject: users[1]! });
    await grant({
      namespace: "workspace",
      object: other.workspace,
      role: "viewer",
      subject: users[1]!,
    });
    await t.db.transaction().execute((trx) => deleteWorkspaceTuples(trx, workspace));

    for (const user of users) {
      expect(
        await listObjects(t.db, { namespace: "workspace", relation: "viewer", subject: user }),
      ).toEqual(user === users[1] ? [other.workspace] : []);
      expect(
        await listObjects(t.db, { namespace: "project", relation: "viewer", subject: user }),
      ).toEqual(user === users[1] ? [other.projects[0]!] : []);
    }
  });
});

describe("expand", () => {
  const sets = (tree: ExpandTree): string[] =>
    tree.kind === "set" ? [formatRelationRef(tree.set), ...tree.children.flatMap(sets)] : [];

  it("shows who has a project role and through which subject sets", async () => {
    const { workspace, projects } = await createWorkspace(1);
    const [owner, viewer, member] = [randomUUID(), randomUUID(), randomUUID()].map(userSubject);
    await grant({ namespace: "workspace", object: workspace, role: "owner", subject: owner! });
    await grant({ namespace: "workspace", object: workspace, role: "viewer", subject: viewer! });
    await grant({ namespace: "project", object: projects[0]!, role: "member", subject: member! });

    const tree = await expand(t.db, {
      namespace: "project",
      object: projects[0]!,
      relation: "viewer",
    });
    expect(subjectsIn(tree)).toEqual([owner!, viewer!, member!].sort());
    expect(
      tree.kind === "set" &&
        tree.children.map((c) => (c.kind === "set" ? formatRelationRef(c.set) : c.subject)),
    ).toEqual([`project:${projects[0]!}#member`, `workspace:${workspace}#viewer`].sort());
    expect(sets(tree)).toContain(`workspace:${workspace}#owner`);

    const adminTree = await expand(t.db, {
      namespace: "project",
      object: projects[0]!,
      relation: "admin",
    });
    expect(subjectsIn(adminTree)).toEqual([owner!]);
  });

  it("marks where a cycle or the depth bound stopped it", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    await t.db
      .transaction()
      .execute((trx) =>
        writeTuples(trx, [
          parseTuple(`workspace:${a}#viewer@workspace:${b}#viewer`),
          parseTuple(`workspace:${b}#viewer@workspace:${a}#viewer`),
          parseTuple(`workspace:${b}#viewer@user:u`),
        ]),
      );
    const tree = await expand(t.db, { namespace: "workspace", object: a, relation: "viewer" });
    expect(tree).toEqual({
      kind: "set",
      set: { namespace: "workspace", object: a, relation: "viewer" },
      children: [
        {
          kind: "set",
          set: { namespace: "workspace", object: b, relation: "viewer" },
          children: [
            { kind: "subject", subject: "user:u" },
            {
              kind: "set",
              set: { namespace: "workspace", object: a, relation: "viewer" },
              children: [],
              stopped: "cycle",
            },
          ],
        },
      ],
    });
    const shallow = await expand(
      t.db,
      { namespace: "workspace", object: a, relation: "viewer" },
      { maxDepth: 0 },
    );
    expect(shallow).toMatchObject({
      children: [{ kind: "set", children: [], stopped: "depth" }],
    });
  });
});
