import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Io } from "../io.js";
import { commands } from "../main.js";
import { run } from "../program.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A home of its own, so no test reads or writes the user's config file. */
export function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), "hangar-cli-"));
  return { HOME: home, PATH: process.env["PATH"] ?? "", ...extra };
}

/** Runs `hangar <argv>` in this process, capturing what it prints and its exit code. */
export async function cli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  stdin?: string,
): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io: Io = {
    stdout: { write: (chunk: string) => (stdout += chunk), isTTY: false },
    stderr: { write: (chunk: string) => (stderr += chunk), isTTY: false },
    env,
    stdinIsTTY: stdin === undefined,
    readStdin: () => Promise.resolve(stdin ?? ""),
  };
  const code = await run(argv, io, commands);
  return { code, stdout, stderr };
}
