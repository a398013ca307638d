import pg from "pg";
import type { Kysely } from "kysely";
import { createDatabase } from "@hangar/server/storage/database.js";
import { migrate } from "@hangar/server/storage/migrate.js";
import type { Database } from "@hangar/server/storage/schema.js";
import { testEndpoints, uniqueSuffix } from "./endpoints.js";

export const TEMPLATE_DATABASE = "hangar_template";

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
 * Builds the template every test database is cloned from: all migrations
 * applied once per test run, so each test file gets a migrated database in
 * the time a file copy takes.
 */
export async function createTemplateDatabase(serverUrl: string): Promise<void> {
  await admin(serverUrl, async (client) => {
    await client
      .query(`ALTER DATABASE ${TEMPLATE_DATABASE} IS_TEMPLATE false`)
      .catch(() => undefined);
    await client.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  });
  await migrate(withDatabase(serverUrl, TEMPLATE_DATABASE));
  await admin(serverUrl, (client) =>
    client.query(`ALTER DATABASE ${TEMPLATE_DATABASE} IS_TEMPLATE true`),
  );
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
    client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`),
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
