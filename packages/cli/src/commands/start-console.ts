import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";

// `npm start` serves the dashboard from packages/console/dist through the API role. The
// build is rerun only when dist is missing or older than what it is built from, so an
// unchanged checkout starts without it; a failed build is reported and the API serves
// a page saying how to build instead.

const repositoryRoot = resolve(import.meta.dirname, "../../../..");
const consoleDir = join(repositoryRoot, "packages/console");
/** What the bundle is built from: the app, its config, and the API descriptors it imports. */
const sources = [
  join(consoleDir, "src"),
  join(consoleDir, "index.html"),
  join(consoleDir, "vite.config.ts"),
  join(consoleDir, "package.json"),
  join(repositoryRoot, "packages/api/src/gen"),
];

async function newestMtime(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.map((entry) => newestMtime(join(path, entry))));
  return Math.max(info.mtimeMs, ...times);
}

export type ConsoleBuild =
  { kind: "fresh" } | { kind: "built"; seconds: number } | { kind: "failed"; reason: string };

/** Why the build in `dist` needs redoing, or undefined when it is newer than every source. */
export async function consoleBuildReason(
  paths: { dist: string; sources: readonly string[] } = {
    dist: join(consoleDir, "dist"),
    sources,
  },
): Promise<string | undefined> {
  const built = await stat(join(paths.dist, "index.html")).catch(() => undefined);
  if (built === undefined) return "not built yet";
  const newest = Math.max(...(await Promise.all(paths.sources.map(newestMtime))));
  return newest > built.mtimeMs ? "its sources changed since the last build" : undefined;
}

function runBuild(): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn("npm", ["run", "--silent", "build:console"], {
      cwd: repositoryRoot,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.once("error", fail);
    child.once("close", (code) => {
      if (code === 0) done();
      else fail(new Error(`npm run build:console exited with ${code}:\n${output.trim()}`));
    });
  });
}

/** Builds the dashboard when it must, printing what it does; never throws. */
export async function ensureConsoleBuilt(
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<ConsoleBuild> {
  const reason = await consoleBuildReason();
  if (reason === undefined) return { kind: "fresh" };
  write(`[hangar] building the dashboard (${reason})…`);
  const started = performance.now();
  try {
    await runBuild();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    write(`[hangar] the dashboard did not build: ${message}`);
    return { kind: "failed", reason: message.split("\n")[0] ?? message };
  }
  const seconds = (performance.now() - started) / 1000;
  write(`[hangar] dashboard built in ${seconds.toFixed(1)} s`);
  return { kind: "built", seconds };
}
