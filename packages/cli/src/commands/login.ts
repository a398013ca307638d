import { Command } from "commander";
import { WorkspaceSchema } from "@hangar/api/workspace_service_pb.js";
import { connectApi } from "../client/api.js";
import { readConfigFile, writeConfigFile, configFilePath } from "../client/config-file.js";
import { resolveSettings } from "../client/settings.js";
import { listAllWorkspaces } from "../client/workspace.js";
import { CliError, ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { messageJson, printJson } from "../output/json.js";
import { printFields, printTable } from "../output/table.js";
import { globalOptions } from "./context.js";

async function tokenToSave(io: Io, given: string | undefined): Promise<string> {
  if (given) return given;
  if (io.stdinIsTTY) {
    throw new CliError(
      "no token given",
      ExitCode.usage,
      "pass it on standard input (`hangar login < token-file`), in HANGAR_TOKEN, or with --token",
    );
  }
  const token = (await io.readStdin()).trim();
  if (token === "") throw new CliError("standard input held no token", ExitCode.usage);
  return token;
}

export function loginCommand(io: Io): Command {
  return new Command("login")
    .description("check an API token and save it, with the API URL, in the config file (mode 0600)")
    .addHelpText(
      "after",
      "\nThe token comes from --token, HANGAR_TOKEN or standard input; it is never printed.",
    )
    .action(async (_options: unknown, command: Command) => {
      const flags = globalOptions(command);
      const settings = resolveSettings(flags, io.env);
      const token = await tokenToSave(io, flags.token ?? io.env["HANGAR_TOKEN"]);
      const api = connectApi({ ...settings, token, tokenSource: "flag" });
      // The cheapest call every token may make: proves the URL and the token at once.
      const workspaces = await listAllWorkspaces(api);
      const [only] = workspaces;
      const workspace = settings.workspace ?? (workspaces.length === 1 ? only?.slug : undefined);
      const path = writeConfigFile(io.env, {
        ...readConfigFile(io.env),
        apiUrl: settings.apiUrl,
        token,
        ...(workspace === undefined ? {} : { workspace }),
      });
      io.stderr.write(
        `Logged in to ${settings.apiUrl}; the token sees ${workspaces.length} workspace(s)${workspace ? `, default ${workspace}` : ""}. Saved in ${path}.\n`,
      );
    });
}

export function logoutCommand(io: Io): Command {
  return new Command("logout")
    .description("forget the saved token (the config file keeps the API URL)")
    .action(() => {
      const file = readConfigFile(io.env);
      delete file.token;
      writeConfigFile(io.env, file);
      io.stderr.write(`Token removed from ${configFilePath(io.env)}.\n`);
    });
}

export function whoamiCommand(io: Io): Command {
  return new Command("whoami")
    .description("show the API, where the token comes from, and the workspaces it sees")
    .action(async (_options: unknown, command: Command) => {
      const flags = globalOptions(command);
      const settings = resolveSettings(flags, io.env);
      const api = connectApi(settings);
      const workspaces = await listAllWorkspaces(api);
      if (flags.json) {
        printJson(io, {
          apiUrl: settings.apiUrl,
          tokenSource: settings.tokenSource,
          workspace: settings.workspace ?? null,
          workspaces: workspaces.map((w) => messageJson(WorkspaceSchema, w)),
        });
        return;
      }
      printFields(io, [
        ["API", `${settings.apiUrl} (${settings.apiUrlSource})`],
        ["Token", `from the ${settings.tokenSource ?? "nowhere"}`],
        ["Workspace", settings.workspace ?? "-"],
      ]);
      io.stdout.write("\n");
      printTable(
        io,
        ["slug", "role", "name", "id"],
        workspaces.map((w) => [w.slug, w.callerRole, w.name, w.id]),
        "The token sees no workspace.",
      );
    });
}
