import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { delimiter, join } from "node:path";
import { cacheDir } from "./layout.js";
import { timed } from "./progress.js";

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(name: string): string | undefined {
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface ToolRecipe {
  /** Executable name, as found on PATH. */
  name: string;
  /** Environment variable that names an executable to use instead of anything else. */
  envVar: string;
  /** Cache key: changes whenever what `build` produces would change. */
  version: string;
  /** Whether an executable found on PATH may be used (false when its version matters). */
  acceptFromPath: boolean;
  /** Builds or installs into `outDir`, returning the executable's path inside it. */
  build: (outDir: string) => Promise<string>;
  /** The executable's path inside a finished cache directory. */
  executableIn: (outDir: string) => string;
}

/**
 * Finds a tool: the environment variable first, then PATH, then the cache,
 * and builds it into the cache as a last resort. Builds go to a temporary
 * directory renamed into place, so an interrupted build is never mistaken for
 * a finished one.
 */
export async function resolveTool(recipe: ToolRecipe): Promise<string> {
  const fromEnv = process.env[recipe.envVar];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`${recipe.envVar}=${fromEnv} is not an executable`);
    return fromEnv;
  }
  if (recipe.acceptFromPath) {
    const found = onPath(recipe.name);
    if (found) return found;
  }
  const outDir = join(cacheDir(), "tools", `${recipe.name}-${recipe.version}`);
  const cached = recipe.executableIn(outDir);
  if (existsSync(cached)) return cached;

  const partial = `${outDir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    await timed(`building ${recipe.name} ${recipe.version} (cached in ${outDir})`, () =>
      recipe.build(partial),
    );
    rmSync(outDir, { recursive: true, force: true });
    renameSync(partial, outDir);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
  return cached;
}
