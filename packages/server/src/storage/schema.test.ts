import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { tableColumns } from "./schema-columns.js";
import { testDatabase, type TestDatabase } from "@hangar/testkit";

// schema-columns.ts is tied to the Database interface by the compiler; this ties it to
// the tables the migrations really create, so schema.ts cannot drift from the SQL.

interface ColumnRow {
  table_name: string;
  column_name: string;
  udt_name: string;
  is_nullable: "YES" | "NO";
}

let t: TestDatabase;
let actual: Map<string, Record<string, string>>;

beforeAll(async () => {
  t = await testDatabase();
  const { rows } = await t.pool.query<ColumnRow>(
    `SELECT table_name, column_name, udt_name, is_nullable
       FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
  );
  actual = new Map();
  for (const row of rows) {
    const columns = actual.get(row.table_name) ?? {};
    columns[row.column_name] = row.is_nullable === "YES" ? `${row.udt_name}?` : row.udt_name;
    actual.set(row.table_name, columns);
  }
});

afterAll(async () => {
  await t.close();
});

describe("schema.ts matches the migrated database", () => {
  it("has an interface for every table and a table for every interface", () => {
    expect([...actual.keys()].sort()).toEqual(Object.keys(tableColumns).sort());
  });

  it.each(Object.entries(tableColumns))(
    "table %s: every column, its type and nullability",
    (table, expected) => {
      // toEqual's diff names the table's missing, extra or mistyped column.
      expect({ [table]: actual.get(table) }).toEqual({ [table]: expected });
    },
  );
});

describe("updated_at triggers", () => {
  it("maintain updated_at on every table that has one, skipping generated columns", async () => {
    const { rows } = await t.pool.query<{
      table: string;
      generated: string[];
      trigger: string | null;
    }>(
      `SELECT c.table_name AS table,
              coalesce(array_agg(g.column_name::text ORDER BY g.ordinal_position)
                FILTER (WHERE g.column_name IS NOT NULL), '{}') AS generated,
              (SELECT pg_get_triggerdef(tg.oid) FROM pg_trigger tg
                WHERE tg.tgrelid = c.table_name::regclass
                  AND tg.tgname = c.table_name || '_set_updated_at') AS trigger
         FROM information_schema.columns c
         LEFT JOIN information_schema.columns g
           ON g.table_schema = c.table_schema AND g.table_name = c.table_name
          AND g.is_generated = 'ALWAYS'
        WHERE c.table_schema = 'public' AND c.column_name = 'updated_at'
        GROUP BY c.table_name`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const args = /set_updated_at\((.*)\)/.exec(row.trigger ?? "")?.[1] ?? "";
      const named = args === "" ? [] : args.split(", ").map((arg) => arg.replace(/'/g, ""));
      expect({ table: row.table, hasTrigger: row.trigger !== null, named }).toEqual({
        table: row.table,
        hasTrigger: true,
        named: row.generated,
      });
    }
  });
});
