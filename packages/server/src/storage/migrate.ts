import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

const migrationsDir = fileURLToPath(new URL("./migrations/", import.meta.url));

// "0007_audit_authz.sql": four digits so files sort as they apply.
const fileNamePattern = /^(\d{4})_([a-z0-9_]+)\.sql$/;

// Every Hangar process agrees on this key, so role replicas starting together queue up
// behind one migrator instead of racing. Advisory locks are scoped to the database.
const advisoryLockKey = 0x48414e47; // "HANG"

export interface MigrationResult {
  applied: string[];
  alreadyApplied: number;
}

export interface Migration {
  version: number;
  name: string;
  file: string;
  checksum: string;
}

/** An applied migration's file was edited. Applied files are immutable: add a new one. */
export class MigrationChecksumError extends Error {
  constructor(
    readonly version: number,
    readonly migrationName: string,
    readonly appliedChecksum: string,
    readonly fileChecksum: string,
  ) {
    super(
      `migration ${String(version).padStart(4, "0")}_${migrationName} was changed after it was ` +
        `applied (applied checksum ${appliedChecksum}, file ${fileChecksum}); ` +
        `restore the file and put the change in a new migration`,
    );
    this.name = "MigrationChecksumError";
  }
}

/** The migrations directory holds something that is not a well-formed migration. */
export class MigrationFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationFileError";
  }
}

/** A migration's SQL failed; its transaction was rolled back. The cause is the pg error. */
export class MigrationFailedError extends Error {
  constructor(
    readonly migration: string,
    cause: unknown,
  ) {
    super(
      `migration ${migration} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = "MigrationFailedError";
  }
}

// Line endings are normalised so a checkout with CRLF does not look like an edit.
function checksumOf(sql: string): string {
  return createHash("sha256").update(sql.replace(/\r\n/g, "\n")).digest("hex");
}

export function listMigrations(): Migration[] {
  const migrations: Migration[] = [];
  for (const entry of readdirSync(migrationsDir).sort()) {
    if (!entry.endsWith(".sql")) continue;
    const match = fileNamePattern.exec(entry);
    if (!match?.[1] || !match[2]) {
      throw new MigrationFileError(`${entry}: migration files are named NNNN_snake_name.sql`);
    }
    const version = Number(match[1]);
    const previous = migrations.at(-1);
    if (previous?.version === version) {
      throw new MigrationFileError(`${entry}: version ${version} is also ${previous.name}`);
    }
    const file = join(migrationsDir, entry);
    migrations.push({
      version,
      name: match[2],
      file,
      checksum: checksumOf(readFileSync(file, "utf8")),
    });
  }
  return migrations;
}

function label(migration: { version: number; name: string }): string {
  return `${String(migration.version).padStart(4, "0")}_${migration.name}`;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Applies pending migrations, each in its own transaction, under an advisory lock.
 * Refuses to run (MigrationChecksumError) when an applied file was edited. Versions
 * applied by a newer release are left alone, so an older replica can still start
 * during a rolling deploy.
 */
export async function migrate(
  connectionString: string,
  options: { log?: (message: string) => void } = {},
): Promise<MigrationResult> {
  const log = options.log ?? (() => undefined);
  const migrations = listMigrations();
  const client = new pg.Client({ connectionString, application_name: "hangar-migrate" });
  // A dropped connection also fails the pending query, which is where it is reported;
  // unlistened, the event would crash the process.
  client.on("error", () => undefined);
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [advisoryLockKey]);
    try {
      return await applyPending(client, migrations, log);
    } finally {
      // Ending the session releases the lock anyway; an unlock error must not hide the
      // error that got us here.
      await client.query("SELECT pg_advisory_unlock($1)", [advisoryLockKey]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

async function applyPending(
  client: pg.Client,
  migrations: Migration[],
  log: (message: string) => void,
): Promise<MigrationResult> {
  // Created under the lock: concurrent CREATE TABLE IF NOT EXISTS can still collide.
  await client.query(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  const { rows } = await client.query<AppliedRow>(
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
  );
  const applied = new Map(rows.map((row) => [row.version, row]));

  // Verify everything before changing anything.
  for (const migration of migrations) {
    const row = applied.get(migration.version);
    if (row && row.checksum !== migration.checksum) {
      throw new MigrationChecksumError(
        migration.version,
        row.name,
        row.checksum,
        migration.checksum,
      );
    }
  }
  const known = new Set(migrations.map((m) => m.version));
  for (const row of rows) {
    if (!known.has(row.version)) {
      log(`migration ${label(row)} is applied but unknown to this release`);
    }
  }

  const result: MigrationResult = { applied: [], alreadyApplied: 0 };
  for (const migration of migrations) {
    if (applied.has(migration.version)) {
      result.alreadyApplied += 1;
      continue;
    }
    const started = performance.now();
    const sql = readFileSync(migration.file, "utf8");
    // The file may have changed since listMigrations() read it; record what really ran.
    const checksum = checksumOf(sql);
    try {
      await client.query("BEGIN");
      await client.query(sql);
      await client.query(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
        [migration.version, migration.name, checksum],
      );
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw new MigrationFailedError(label(migration), error);
    }
    result.applied.push(label(migration));
    log(`applied migration ${label(migration)} in ${Math.round(performance.now() - started)} ms`);
  }
  return result;
}
