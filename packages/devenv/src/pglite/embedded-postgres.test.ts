import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres } from "./embedded-postgres.js";

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe("startEmbeddedPostgres", () => {
  const dir = mkdtempSync(join(tmpdir(), "hangar-pglite-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps its data across restarts", async () => {
    const first = await startEmbeddedPostgres({ dir, port: 0 });
    try {
      expect(first.url).toBe(`postgres://postgres@127.0.0.1:${first.port}/postgres`);
      expect(first.version).toMatch(/^PostgreSQL \d+\.\d+ \(PGlite /);
      await query(first.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('hello')");
    } finally {
      await first.stop();
    }

    const second = await startEmbeddedPostgres({ dir, port: 0 });
    try {
      expect(await query(second.url, "SELECT note FROM kept")).toEqual([{ note: "hello" }]);
    } finally {
      await second.stop();
    }
  });

  it("says which port is taken, and leaves the data free for the next start", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      await expect(startEmbeddedPostgres({ dir, port })).rejects.toThrow(
        new RegExp(`127\\.0\\.0\\.1:${port}: the port is in use`),
      );
    } finally {
      blocker.close();
    }
    const next = await startEmbeddedPostgres({ dir, port: 0 });
    try {
      expect(await query(next.url, "SELECT note FROM kept")).toEqual([{ note: "hello" }]);
    } finally {
      await next.stop();
    }
  });

  it("refuses a data directory that another live process holds", async () => {
    const held = join(dir, "held");
    mkdirSync(held, { recursive: true });
    // This test process's parent stands in for another `npm start`: it is alive.
    writeFileSync(join(held, "pglite.pid"), String(process.ppid));
    await expect(startEmbeddedPostgres({ dir: held, port: 0 })).rejects.toThrow(
      new RegExp(`in use by process ${process.ppid}`),
    );
  });
});
