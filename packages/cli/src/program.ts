import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { ConfigError } from "@hangar/server/config/load.js";
import { PortOffsetError } from "./commands/start-ports.js";
import { CliError, ExitCode } from "./exit-codes.js";
import type { Io } from "./io.js";

/** A command group's constructor; `io` is where its actions write. */
export type CommandFactory = (io: Io) => Command;

const { version } = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
) as { version: string };

/** Commander's own settings, on every command of the tree (addCommand does not pass them down). */
function configureTree(command: Command, io: Io): void {
  command
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => {
        write(text);
      },
    })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showSuggestionAfterError(true);
  for (const sub of command.commands) configureTree(sub, io);
}

export function buildProgram(io: Io, factories: readonly CommandFactory[]): Command {
  const program = new Command("hangar")
    .description("Hangar: ephemeral GitHub Actions runners on Kubernetes, for many teams")
    .version(version, "-V, --version", "print hangar's version")
    .option("--api-url <url>", "the API's base URL (default: the local `npm start` one)")
    .option(
      "--token <token>",
      "API token (prefer HANGAR_TOKEN or `hangar login`: flags show in ps)",
    )
    .option("-w, --workspace <id|slug>", "the workspace to act in")
    .option("--json", "print the API's objects as JSON, for scripts")
    .addHelpText(
      "after",
      `
Configuration: flags, then HANGAR_API_URL, HANGAR_TOKEN, HANGAR_WORKSPACE, then the
config file written by \`hangar login\` ($HANGAR_CONFIG or ~/.config/hangar/config.json).
Local services alone: npm run services -- <up|down|status|env>
Every command, its flags and the exit codes: docs/cli.md`,
    );
  for (const factory of factories) program.addCommand(factory(io));
  configureTree(program, io);
  return program;
}

function printError(io: Io, message: string, hint?: string): void {
  io.stderr.write(`hangar: ${message}\n`);
  if (hint !== undefined) io.stderr.write(`hint: ${hint}\n`);
}

/** Runs one command line; resolves to the exit code instead of exiting, so tests can call it. */
export async function run(
  argv: readonly string[],
  io: Io,
  factories: readonly CommandFactory[],
): Promise<number> {
  const program = buildProgram(io, factories);
  if (argv.length === 0) {
    io.stdout.write(program.helpInformation());
    return ExitCode.ok;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; anything else commander refused is a usage error.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof CliError) {
      printError(io, error.message, error.hint);
      return error.exitCode;
    }
    // Configuration problems are the user's to fix: say what, without a stack.
    if (error instanceof ConfigError || error instanceof PortOffsetError) {
      printError(io, error.message);
      return ExitCode.config;
    }
    const unexpected = error instanceof Error ? (error.stack ?? error.message) : String(error);
    printError(io, unexpected);
    return ExitCode.failure;
  }
}
