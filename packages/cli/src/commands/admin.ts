import { Command } from "commander";
import { CliError, ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { globalOptions } from "./context.js";

// Operator tasks that work on the database directly, for people who hold its URL, at
// times when the API cannot help (before any token exists). The implementation loads the
// server's storage code only when run, so the rest of the CLI starts quickly.

export interface BootstrapOptions {
  name?: string;
  tokenName: string;
  expiresIn: string;
  expiry: boolean;
  platformAdmin?: boolean;
  rotate?: boolean;
}

export function adminCommand(io: Io): Command {
  const group = new Command("admin").description(
    "operator tasks on the database itself (HANGAR_DATABASE_URL), not through the API",
  );
  group
    .command("bootstrap")
    .description(
      "create a workspace (or use the existing one) and its first owner token, printing the secret once on standard output",
    )
    // Parsed by the program (its global --workspace); declared here so that help shows it.
    .option("--workspace <slug>", "the workspace's slug (required)")
    .option("--name <name>", "its display name when this creates it (default: the slug)")
    .option("--token-name <name>", "the token's name", "bootstrap")
    .option("--expires-in <span>", "how long the token works: 30d, 12h, 2w", "90d")
    .option("--no-expiry", "a token that never expires")
    .option("--platform-admin", "also make the token platform administrator (LinkInstallation)")
    .option("--rotate", "revoke the workspace's live bootstrap token and make a new one")
    .addHelpText(
      "after",
      `
Needs HANGAR_DATABASE_URL (or DATABASE_URL) and a database at this release's schema
(\`hangar migrate\`). A workspace has at most one live bootstrap token: a second run is
refused unless --rotate. Only the token goes to standard output:
  TOKEN=$(hangar admin bootstrap --workspace platform --platform-admin)`,
    )
    .action(async (options: BootstrapOptions, command: Command) => {
      const globals = globalOptions(command);
      const slug = globals.workspace;
      if (slug === undefined || slug === "") {
        throw new CliError("--workspace <slug> is required", ExitCode.usage);
      }
      if (!options.expiry && command.getOptionValueSource("expiresIn") === "cli") {
        throw new CliError("--expires-in and --no-expiry contradict each other", ExitCode.usage);
      }
      const { runBootstrap } = await import("./admin-bootstrap.js");
      await runBootstrap(io, { ...options, slug, json: globals.json === true });
    });
  return group;
}
