import pg from "pg";
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { listMigrations, migrate, MigrationChecksumError } from "./migrate.js";
import { testDatabase, type TestDatabase } from "@hangar/testkit";

// The kit hands out migrated databases; the migrator itself needs empty ones, which are
// created beside the kit's database and dropped at the end.
let t: TestDatabase;
const scratch: string[] = [];

async function emptyDatabase(): Promise<string> {
  const name = `${t.name}_scratch${scratch.length}`;
  await t.pool.query(`CREATE DATABASE ${name}`);
  scratch.push(name);
  const url = new URL(t.url);
  url.pathname = `/${name}`;
  return url.toString();
}

async function appliedVersions(url: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: number }>(
      "SELECT version FROM schema_migrations ORDER BY version",
    );
    return rows.map((row) => row.version);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  t = await testDatabase();
});

afterAll(async () => {
  for (const name of scratch) await t.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await t.close();
});

describe("listMigrations", () => {
  it("lists numbered files in order, each with a sha256 checksum", () => {
    const migrations = listMigrations();
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    for (const m of migrations) {
      expect(m.file).toMatch(/migrations[/\\]\d{4}_[a-z0-9_]+\.sql$/);
      expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});

describe("migrate", () => {
  it("applies every migration to an empty database, then nothing on a second run", async () => {
    const url = await emptyDatabase();
    const all = listMigrations().map((m) => `${String(m.version).padStart(4, "0")}_${m.name}`);
    const messages: string[] = [];

    const started = performance.now();
    const first = await migrate(url, { log: (message) => messages.push(message) });
    const elapsed = performance.now() - started;
    console.info(`migrate on an empty database: ${Math.round(elapsed)} ms`);

    expect(first).toEqual({ applied: all, alreadyApplied: 0 });
    expect(messages).toHaveLength(all.length);
    expect(await appliedVersions(url)).toEqual(listMigrations().map((m) => m.version));

    const second = await migrate(url);
    expect(second).toEqual({ applied: [], alreadyApplied: all.length });
  });

  it("refuses to run when an applied migration's checksum changed", async () => {
    const url = await emptyDatabase();
    await migrate(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
    } finally {
      await client.end();
    }

    const attempt = migrate(url);
    await expect(attempt).rejects.toBeInstanceOf(MigrationChecksumError);
    await expect(attempt).rejects.toMatchObject({
      name: "MigrationChecksumError",
      version: 1,
      appliedChecksum: "edited",
      fileChecksum: listMigrations()[0]?.checksum,
    });
  });

  it("lets two processes start at once: both succeed and each file is applied once", async () => {
    const url = await emptyDatabase();
    const count = listMigrations().length;

    const [a, b] = await Promise.all([migrate(url), migrate(url)]);

    expect(a.applied.length + b.applied.length).toBe(count);
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, count]);
    expect(a.alreadyApplied + b.alreadyApplied).toBe(count);
    expect(await appliedVersions(url)).toHaveLength(count);
  });

  it("has already migrated the databases the test kit hands out", async () => {
    expect(await appliedVersions(t.url)).toEqual(listMigrations().map((m) => m.version));
  });
});
