import pg from "pg";
import { listMigrations } from "./migrate.js";

// Whether a database is at this release's schema, read without changing anything, for
// tools that write to it directly and must not run against an older schema.

export interface MigrationStatus {
  /** This release's migrations the database lacks ("0014_name"). */
  pending: string[];
  /** Applied migrations whose file has changed since; `hangar migrate` explains. */
  changed: string[];
}

function label(migration: { version: number; name: string }): string {
  return `${String(migration.version).padStart(4, "0")}_${migration.name}`;
}

/** Connects once (giving up after `connectTimeoutMs`), reads schema_migrations and ends. */
export async function migrationStatus(
  connectionString: string,
  options: { connectTimeoutMs?: number } = {},
): Promise<MigrationStatus> {
  const migrations = listMigrations();
  const client = new pg.Client({
    connectionString,
    application_name: "hangar-migration-status",
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  });
  // A dropped connection also fails the pending query, which is where it is reported.
  client.on("error", () => undefined);
  await client.connect();
  try {
    // A database never migrated has no table at all: everything is pending.
    const table = await client.query<{ present: boolean }>(
      "SELECT to_regclass('schema_migrations') IS NOT NULL AS present",
    );
    const { rows } =
      table.rows[0]?.present === true
        ? await client.query<{ version: number; checksum: string }>(
            "SELECT version, checksum FROM schema_migrations",
          )
        : { rows: [] };
    const applied = new Map(rows.map((row) => [row.version, row.checksum]));
    return {
      pending: migrations.filter((m) => !applied.has(m.version)).map(label),
      changed: migrations
        .filter((m) => applied.has(m.version) && applied.get(m.version) !== m.checksum)
        .map(label),
    };
  } finally {
    await client.end();
  }
}
