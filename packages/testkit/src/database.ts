import { createHash } from "node:crypto";
import pg from "pg";
import type { Kysely } from "kysely";
import { inject } from "vitest";
import { createDatabase } from "@hangar/server/storage/database.js";
import { listMigrations, migrate } from "@hangar/server/storage/migrate.js";
import type { Database } from "@hangar/server/storage/schema.js";
import { testEndpoints, uniqueSuffix } from "./endpoints.js";

declare module "vitest" {
  export interface ProvidedContext {
    hangarTemplateDatabase: string;
  }
}

/** Serialises template builds of concurrent test runs sharing one server. */
const TEMPLATE_LOCK_KEY = 0x68616e67; // "hang"

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * The template's name follows the migrations' contents, so test runs with
 * different migrations (two checkouts, a migration being written) sharing one
 * PostgreSQL server never drop or alter each other's template.
 */
export function templateDatabaseName(): string {
  const hash = createHash("sha256");
  for (const migration of listMigrations()) {
    hash.update(`${migration.version}:${migration.name}:${migration.checksum}\n`);
  }
  return `hangar_template_${hash.digest("hex").slice(0, 16)}`;
}

/**
 * Builds the template every test database is cloned from: all migrations
 * applied once, so each test file gets a migrated database in the time a file
 * copy takes. Reused while the migrations are unchanged; built under a
 * temporary name and renamed when complete, so a crashed build is never
 * mistaken for a template.
 */
export async function createTemplateDatabase(serverUrl: string): Promise<string> {
  const template = templateDatabaseName();
  await admin(serverUrl, async (client) => {
    await client.query("SELECT pg_advisory_lock($1)", [TEMPLATE_LOCK_KEY]);
    try {
      const { rowCount } = await client.query(
        "SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate",
        [template],
      );
      if (rowCount === 1) return;
      const building = `${template}_building`;
      await client.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${building}`);
      await migrate(withDatabase(serverUrl, building));
      await client.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
      await client.query(`ALTER DATABASE ${template} IS_TEMPLATE true`);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [TEMPLATE_LOCK_KEY]);
    }
  });
  return template;
}

export interface TestDatabase {
  name: string;
  url: string;
  db: Kysely<Database>;
  pool: pg.Pool;
  /** Closes the pool and drops the database. */
  close(): Promise<void>;
}

/** A fresh, fully migrated database of this test file's own. */
export async function testDatabase(options: { max?: number } = {}): Promise<TestDatabase> {
  const serverUrl = testEndpoints().databaseUrl;
  const name = `test_${uniqueSuffix()}`;
  await admin(serverUrl, (client) =>
    client.query(`CREATE DATABASE ${name} TEMPLATE ${inject("hangarTemplateDatabase")}`),
  );
  const url = withDatabase(serverUrl, name);
  const { db, pool, close } = createDatabase(url, { max: options.max ?? 5 });
  return {
    name,
    url,
    db,
    pool,
    async close() {
      await close();
      await admin(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      );
    },
  };
}
