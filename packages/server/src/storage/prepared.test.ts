import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import { createDatabase, type DatabaseHandle } from "./database.js";
import { queryRunner } from "./prepared.js";
import { createTenant, type Tenant } from "./test-fixtures.js";

let t: TestDatabase;
let tenant: Tenant;
/** One connection, so the prepared statements seen are the ones this test made. */
let single: DatabaseHandle;

beforeAll(async () => {
  t = await testDatabase();
  tenant = await createTenant(t.db);
  single = createDatabase(t.url, { max: 1 });
});

afterAll(async () => {
  await single.close();
  await t.close();
});

/** The same statement text each call, with the call's values. */
function runnersOf(handle: DatabaseHandle) {
  return (args: { workspaceId: string; name: string }) =>
    handle.db
      .selectFrom("runners")
      .select(["id", "name"])
      .where("workspace_id", "=", args.workspaceId)
      .where("name", "=", args.name)
      .compile();
}

describe("queryRunner", () => {
  it("runs a statement prepared once per connection, with the rows Kysely would return", async () => {
    const statement = runnersOf(single);
    const prepared = queryRunner(single.db, single.pool);
    const plain = queryRunner(single.db);
    const args = { workspaceId: tenant.workspaceId, name: "hangar-4cpu" };
    const expected = await plain(statement(args));
    expect(expected).toHaveLength(1);
    expect(await prepared(statement(args))).toEqual(expected);
    expect(await prepared(statement({ ...args, name: "no-such-runner" }))).toEqual([]);

    const { rows } = await single.pool.query<{ name: string; statement: string }>(
      "SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'hangar_%'",
    );
    // Three executions, one statement prepared on the pool's one connection.
    expect(rows).toHaveLength(1);
    expect(rows[0]?.statement).toBe(statement(args).sql);
  });

  it("gives two different texts two different names", async () => {
    const prepared = queryRunner(single.db, single.pool);
    const one = single.db.selectFrom("runners").select("id").where("name", "=", "x").compile();
    const other = single.db.selectFrom("runners").select("name").where("name", "=", "x").compile();
    await prepared(one);
    await prepared(other);
    const { rows } = await single.pool.query<{ statement: string }>(
      "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'hangar_%'",
    );
    expect(rows.map((row) => row.statement)).toEqual(expect.arrayContaining([one.sql, other.sql]));
  });
});
