import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../process.js";
import { servePGlite, type PGliteServer } from "./socket-server.js";
import { firstColumns, wire, wireClient } from "./testing/wire-client.js";

// Several real clients (pg, and a raw wire-protocol client where a test must stop half
// way through a query cycle) against one PGlite behind the embedded server.

async function started(options: { idleInTransactionTimeoutMs?: number; maxConnections?: number }) {
  const db = await PGlite.create();
  const warnings: string[] = [];
  const server = await servePGlite({
    db,
    host: "127.0.0.1",
    port: 0,
    warn: (message) => warnings.push(message),
    ...options,
  });
  const url = `postgres://postgres@127.0.0.1:${server.port}/postgres`;
  return { db, server, url, warnings };
}

const someoneWaits = (server: PGliteServer) =>
  waitFor(
    "a connection waiting for the session",
    () => Promise.resolve(server.stats().waiting > 0),
    { timeoutMs: 30_000, intervalMs: 20 },
  );

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on("error", () => undefined);
  await c.connect();
  return c;
}

describe("embedded database server", () => {
  let db: PGlite;
  let server: PGliteServer;
  let url: string;
  let pool: pg.Pool;

  beforeAll(async () => {
    ({ db, server, url } = await started({}));
    pool = new pg.Pool({ connectionString: url, max: 8 });
  });
  afterAll(async () => {
    await pool.end();
    await server.close();
    await db.close();
  });

  it("runs a connection's query cycle whole: no other statement slips in before its Sync", async () => {
    const a = await wireClient(server.port);
    const b = await client(url);
    try {
      a.send(wire.parse("SELECT 'from a'::text"));
      await a.until("1"); // ParseComplete: the unnamed statement is A's now
      const fromB = b.query("SELECT $1::text AS v", ["from b"]);
      // B's Parse would replace A's unnamed statement; it has to wait for A's Sync.
      await someoneWaits(server);
      a.send(wire.bind([]), wire.execute(), wire.sync());
      expect(firstColumns(await a.until("Z"))).toEqual(["from a"]);
      expect((await fromB).rows).toEqual([{ v: "from b" }]);
    } finally {
      a.close();
      await b.end();
    }
  });

  it("keeps every answer with its own query under concurrent large messages", async () => {
    // Messages of megabytes reach the server in many reads, between which other
    // connections' messages arrive.
    const big = "x".repeat(2_000_000);
    const answers = await Promise.all(
      Array.from({ length: 6 }, async (_, worker) => {
        const seen: unknown[] = [];
        for (let i = 0; i < 5; i++) {
          const { rows } =
            worker % 2 === 0
              ? await pool.query("SELECT length($1::text) AS v, $2::int AS worker", [big, worker])
              : await pool.query({
                  name: "small",
                  text: "SELECT 'small' AS v, $1::int AS worker",
                  values: [worker],
                });
          seen.push(rows[0]);
        }
        return seen;
      }),
    );
    answers.forEach((seen, worker) => {
      const v = worker % 2 === 0 ? 2_000_000 : "small";
      expect(seen).toEqual(Array.from({ length: 5 }, () => ({ v, worker })));
    });
  });

  it("hides a transaction's uncommitted writes from other connections", async () => {
    await pool.query("CREATE TABLE isolation_t (id int PRIMARY KEY)");
    const a = await pool.connect();
    try {
      await a.query("BEGIN");
      await a.query("INSERT INTO isolation_t VALUES (1)");
      const seen = pool.query<{ n: number }>("SELECT count(*)::int AS n FROM isolation_t");
      await someoneWaits(server);
      // A carries on while B waits: the session is A's until its transaction ends.
      await a.query("INSERT INTO isolation_t VALUES (2)");
      await a.query("ROLLBACK");
      expect((await seen).rows).toEqual([{ n: 0 }]);
    } finally {
      a.release();
    }
  });

  it("runs concurrent transactions one at a time: read-modify-write loses no update", async () => {
    // Under READ COMMITTED on a server with real concurrency this loses updates; here
    // each transaction runs whole before the next one starts.
    await pool.query("CREATE TABLE counter_t (n int NOT NULL)");
    await pool.query("INSERT INTO counter_t VALUES (0)");
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 10; i++) {
          const c = await pool.connect();
          try {
            await c.query("BEGIN");
            const { rows } = await c.query<{ n: number }>("SELECT n FROM counter_t");
            await c.query("UPDATE counter_t SET n = $1", [rows[0]!.n + 1]);
            await c.query("COMMIT");
          } finally {
            c.release();
          }
        }
      }),
    );
    expect((await pool.query("SELECT n FROM counter_t")).rows).toEqual([{ n: 80 }]);
  });

  it("rolls back what a vanished client left open, in a transaction or mid-cycle", async () => {
    await pool.query("CREATE TABLE vanish_t (id int PRIMARY KEY)");
    const inBlock = await wireClient(server.port);
    inBlock.send(wire.query("BEGIN; INSERT INTO vanish_t VALUES (1)"));
    await inBlock.until("Z");
    inBlock.close();
    // An extended-protocol cycle is its own transaction until Sync, which never comes.
    const midCycle = await wireClient(server.port);
    midCycle.send(wire.parse("INSERT INTO vanish_t VALUES (2)"), wire.bind([]), wire.execute());
    await midCycle.until("C"); // CommandComplete: the row is written, not committed
    midCycle.close();

    expect((await pool.query("SELECT count(*)::int AS n FROM vanish_t")).rows).toEqual([{ n: 0 }]);
    await pool.query("INSERT INTO vanish_t VALUES (1), (2)");
  });

  it("keeps named prepared statements per connection and deallocates them on close", async () => {
    const one = await client(url);
    const two = await client(url);
    const prepared = "SELECT count(*)::int AS n FROM pg_prepared_statements";
    const before = (await pool.query<{ n: number }>(prepared)).rows[0]!.n;
    try {
      for (let round = 0; round < 2; round++) {
        expect((await one.query({ name: "same", text: "SELECT 1 AS v" })).rows).toEqual([{ v: 1 }]);
        expect((await two.query({ name: "same", text: "SELECT 2 AS v" })).rows).toEqual([{ v: 2 }]);
      }
      expect((await pool.query(prepared)).rows).toEqual([{ n: before + 2 }]);
    } finally {
      await one.end();
    }
    await waitFor(
      "the closed connection's statement to be deallocated",
      async () => (await pool.query<{ n: number }>(prepared)).rows[0]!.n === before + 1,
      { timeoutMs: 30_000 },
    );
    // A new connection may prepare the same name again.
    const three = await client(url);
    expect((await three.query({ name: "same", text: "SELECT 3 AS v" })).rows).toEqual([{ v: 3 }]);
    await Promise.all([two.end(), three.end()]);
  });

  it("keeps other connections out while one holds a session-level advisory lock", async () => {
    const holder = await client(url);
    try {
      await holder.query("SELECT pg_advisory_lock(4242)");
      const order: string[] = [];
      const other = pool.query("SELECT 1").then(() => order.push("other"));
      await someoneWaits(server);
      await holder.query("SELECT 1").then(() => order.push("holder"));
      await holder.query("SELECT pg_advisory_unlock(4242)");
      await other;
      expect(order).toEqual(["holder", "other"]);
    } finally {
      await holder.end();
    }
  });

  it("refuses LISTEN, saying why", async () => {
    await expect(pool.query("LISTEN some_channel")).rejects.toThrow(
      /^LISTEN is not supported by the embedded database/,
    );
    await expect(pool.query("LISTEN some_channel")).rejects.toHaveProperty("code", "0A000");
    // The connection is still usable.
    expect((await pool.query("SELECT 1 AS v")).rows).toEqual([{ v: 1 }]);
  });
});

describe("embedded database server limits", () => {
  let db: PGlite;
  let server: PGliteServer;
  let url: string;
  let warnings: string[];

  beforeAll(async () => {
    ({ db, server, url, warnings } = await started({
      idleInTransactionTimeoutMs: 300,
      maxConnections: 2,
    }));
  });
  afterAll(async () => {
    await server.close();
    await db.close();
  });

  it("refuses connections over the limit, and ends a transaction left idle while others wait", async () => {
    const idle = await client(url);
    const waiting = await client(url);
    await expect(client(url)).rejects.toThrow(/too many clients/);

    const errors: Error[] = [];
    idle.on("error", (error) => errors.push(error));
    await idle.query("CREATE TABLE idle_t (id int)");
    await idle.query("BEGIN");
    await idle.query("INSERT INTO idle_t VALUES (1)");
    // The idle transaction would hold the session forever; it is rolled back instead.
    expect((await waiting.query("SELECT count(*)::int AS n FROM idle_t")).rows).toEqual([{ n: 0 }]);
    await waitFor("the idle client to hear why", () => Promise.resolve(errors.length > 0), {
      timeoutMs: 30_000,
    });
    expect(errors[0]?.message).toMatch(/idle-in-transaction timeout/);
    expect(warnings.join("\n")).toMatch(/idle in a transaction/);
    await waiting.end();
  });
});
