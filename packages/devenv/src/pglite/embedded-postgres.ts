import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { isAlive } from "../process.js";
import { servePGlite, type PGliteServer } from "./socket-server.js";

export interface EmbeddedPostgresOptions {
  /** Holds the data directory (`data/`) and the lock file; kept across runs. */
  dir: string;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  idleInTransactionTimeoutMs?: number;
  /** Progress and warnings, one line each. */
  log?: (message: string) => void;
}

export interface EmbeddedPostgres {
  /** A postgres:// URL any PostgreSQL client can use while this process runs. */
  url: string;
  port: number;
  dataDir: string;
  /** e.g. "PostgreSQL 18.6 (PGlite 0.5.14)". */
  version: string;
  /** Rolls back open transactions, closes connections, checkpoints and releases the data. */
  stop(): Promise<void>;
}

/** The data directory is a PostgreSQL cluster: two processes must never open it at once. */
class EmbeddedPostgresInUseError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `the embedded database in ${dir} is in use by process ${pid} (another \`npm start\`?); ` +
        `stop it, or give this run its own HANGAR_STATE_DIR`,
    );
    this.name = "EmbeddedPostgresInUseError";
  }
}

function lock(dir: string): () => void {
  const file = join(dir, "pglite.pid");
  const holder = existsSync(file) ? Number.parseInt(readFileSync(file, "utf8"), 10) : NaN;
  if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
    throw new EmbeddedPostgresInUseError(dir, holder);
  }
  writeFileSync(file, String(process.pid));
  return () => {
    rmSync(file, { force: true });
  };
}

/**
 * PostgreSQL inside this process (PGlite: PostgreSQL compiled to WebAssembly), its data
 * kept in `dir`, served on a local port so that Hangar connects to it as to any other
 * PostgreSQL. Nothing to install; it lives as long as the process that started it.
 * Transactions run one at a time (see SharedSession); LISTEN is refused.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const host = options.host ?? "127.0.0.1";
  const dataDir = join(options.dir, "data");
  mkdirSync(options.dir, { recursive: true });
  const unlock = lock(options.dir);
  let db: PGlite | undefined;
  let server: PGliteServer | undefined;
  try {
    if (!existsSync(join(dataDir, "PG_VERSION"))) {
      log(`creating the embedded database in ${dataDir} (first run only)`);
    }
    db = await PGlite.create(dataDir);
    const { rows } = await db.query<{ version: string }>("SELECT version()");
    const version = /^PostgreSQL [\d.]+ \(PGlite [\d.]+\)/.exec(rows[0]?.version ?? "")?.[0];
    server = await servePGlite({
      db,
      host,
      port: options.port,
      ...(options.idleInTransactionTimeoutMs === undefined
        ? {}
        : { idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs }),
      warn: log,
    });
    const running = { db, server };
    let stopping: Promise<void> | undefined;
    return {
      url: `postgres://postgres@${host}:${server.port}/postgres`,
      port: server.port,
      dataDir,
      version: version ?? "PGlite",
      stop: () => {
        stopping ??= (async () => {
          try {
            await running.server.close();
            await running.db.close();
          } finally {
            unlock();
          }
        })();
        return stopping;
      },
    };
  } catch (error) {
    await server?.close().catch(() => undefined);
    await db?.close().catch(() => undefined);
    unlock();
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      throw new Error(
        `the embedded database cannot listen on ${host}:${options.port}: the port is in use ` +
          `(HANGAR_PORT_OFFSET shifts every local port)`,
        { cause: error },
      );
    }
    throw error;
  }
}
