import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { isExecutable } from "./binaries.js";
import { portOpen, run, tail } from "./process.js";
import { step } from "./progress.js";
import type { LocalService } from "./service.js";

export interface PostgresOptions {
  dir: string;
  port: number;
  /** Throwaway clusters trade durability for speed (no fsync). */
  throwaway: boolean;
}

export function postgresUrl(port: number, database = "postgres"): string {
  return `postgres://postgres@127.0.0.1:${port}/${database}`;
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** initdb refuses to run as root, so as root every server command runs as `postgres`. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return isRoot() ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

function findBinDir(): string | undefined {
  const fromEnv = process.env["HANGAR_PG_BINDIR"];
  if (fromEnv) return fromEnv;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => isExecutable(join(root, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], "bin");
}

export function createPostgres(options: PostgresOptions): LocalService {
  const dataDir = join(options.dir, "data");
  const socketDir = join(options.dir, "socket");
  const logFile = join(options.dir, "postgres.log");
  let binDir: string | undefined;

  const pgCtl = async (args: string[]): Promise<string> => {
    if (!binDir) throw new Error("postgres: prepare() first");
    const [cmd, argv] = asPostgres(join(binDir, "pg_ctl"), args);
    return run(cmd, argv);
  };

  return {
    name: "postgres",

    async prepare() {
      binDir = findBinDir();
      if (binDir) return;
      if (!isRoot()) {
        throw new Error(
          "PostgreSQL server binaries not found. Install PostgreSQL (e.g. `apt-get install postgresql`) or set HANGAR_PG_BINDIR to the directory holding initdb and pg_ctl.",
        );
      }
      const done = step("installing PostgreSQL from apt");
      await run("apt-get", ["update", "-q"]);
      await run("apt-get", ["install", "-y", "-q", "postgresql"], {
        env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      });
      done();
      binDir = findBinDir();
      if (!binDir) throw new Error("apt-get installed postgresql but initdb is still missing");
    },

    async isRunning() {
      if (!existsSync(join(dataDir, "postmaster.pid"))) return false;
      return portOpen(options.port);
    },

    async start() {
      if (!binDir) throw new Error("postgres: prepare() first");
      if (options.throwaway) rmSync(options.dir, { recursive: true, force: true });
      mkdirSync(socketDir, { recursive: true });
      if (isRoot()) await run("chown", ["-R", "postgres:postgres", options.dir]);
      if (!existsSync(join(dataDir, "PG_VERSION"))) {
        const [cmd, argv] = asPostgres(join(binDir, "initdb"), [
          "-D",
          dataDir,
          "-A",
          "trust",
          "-U",
          "postgres",
          "-E",
          "UTF8",
          "--no-sync",
        ]);
        await run(cmd, argv);
      }
      // A stale pid file from a killed server would make pg_ctl refuse to start.
      rmSync(join(dataDir, "postmaster.pid"), { force: true });
      const settings = [
        `-p ${options.port}`,
        `-k ${socketDir}`,
        "-c listen_addresses=127.0.0.1",
        "-c max_connections=400",
        ...(options.throwaway
          ? ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
          : []),
      ].join(" ");
      try {
        await pgCtl(["-D", dataDir, "-l", logFile, "-w", "-t", "60", "-o", settings, "start"]);
      } catch (error) {
        throw new Error(`postgres did not start: ${String(error)}\n${tail(logFile)}`, {
          cause: error,
        });
      }
    },

    async stop() {
      if (!existsSync(join(dataDir, "postmaster.pid"))) return;
      binDir ??= findBinDir();
      // A stale pid file (server killed) makes pg_ctl fail; only a live server is an error.
      await pgCtl(["-D", dataDir, "-w", "-t", "30", "-m", "fast", "stop"]).catch(
        async (error: unknown) => {
          if (await portOpen(options.port)) throw error;
        },
      );
    },
  };
}
