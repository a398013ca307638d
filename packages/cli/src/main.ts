#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { coreCommands } from "./commands/index.js";
import { simCommand } from "./commands/sim/index.js";
import { processIo } from "./io.js";
import { run, type CommandFactory } from "./program.js";

/** Every command group of `hangar`. Groups in their own folders are registered here. */
export const commands: readonly CommandFactory[] = [...coreCommands, (io) => simCommand(io)];

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  run(process.argv.slice(2), processIo(), commands).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `hangar: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
