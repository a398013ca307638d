import { ConnectError, Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import { createAuthenticator } from "../api/authenticate.js";
import { check } from "../authz/index.js";
import { renewDemoToken } from "./demo-token.js";

let database: TestDatabase;

beforeAll(async () => {
  database = await testDatabase();
});
afterAll(async () => {
  await database.close();
});

describe("the npm start demo token", () => {
  it("is nothing without a demo workspace, then one live owner token per start", async () => {
    expect(await renewDemoToken(database.db)).toBeUndefined();
    const workspace = await database.db
      .insertInto("workspaces")
      .values({ slug: "demo", name: "Demo", namespace: "hangar-demo-token-test" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const project = await database.db
      .insertInto("projects")
      .values({ workspace_id: workspace.id, name: "default", is_default: true })
      .returning("id")
      .executeTakeFirstOrThrow();

    const first = await renewDemoToken(database.db);
    const second = await renewDemoToken(database.db);
    expect(second?.workspaceId).toBe(workspace.id);
    const authenticator = createAuthenticator({ db: database.db });
    const refused = await authenticator.authenticate(`Bearer ${first?.token ?? ""}`).then(
      () => undefined,
      (error: unknown) => ConnectError.from(error),
    );
    expect(refused?.code).toBe(Code.Unauthenticated);
    const caller = await authenticator.authenticate(`Bearer ${second?.token ?? ""}`);
    // Owner of the workspace, and through the written project tuples, of its project.
    for (const [namespace, object] of [
      ["workspace", workspace.id],
      ["project", project.id],
    ] as const) {
      expect(
        await check(database.db, { namespace, object, relation: "owner", subject: caller.subject }),
      ).toBe(true);
    }
    const stored = await database.db
      .selectFrom("api_tokens")
      .select(["secret_hash", "revoked_at"])
      .execute();
    expect(stored).toHaveLength(2);
    expect(stored.filter((row) => row.revoked_at === null)).toHaveLength(1);
    // Only hashes are stored.
    expect(stored.every((row) => !row.secret_hash.toString("utf8").includes("hgr_"))).toBe(true);
  });
});
