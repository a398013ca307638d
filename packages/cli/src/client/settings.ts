import { configVariables } from "@hangar/server/config/variables.js";
import { portOffset } from "../commands/start-ports.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { readConfigFile } from "./config-file.js";

/** The options every API command takes (program-wide). */
export interface ConnectionFlags {
  apiUrl?: string;
  token?: string;
  workspace?: string;
}

export type Source = "flag" | "environment" | "config file" | "default";

export interface Settings {
  apiUrl: string;
  apiUrlSource: Source;
  token: string | undefined;
  tokenSource: Source | undefined;
  /** An id or a slug, as given; resolved against the API when a command needs it. */
  workspace: string | undefined;
}

/** The API of `npm start` on this machine: its port, moved by HANGAR_PORT_OFFSET as start moves it. */
export function defaultApiUrl(env: NodeJS.ProcessEnv): string {
  const explicit = env["HANGAR_API_PORT"];
  if (explicit) return `http://127.0.0.1:${explicit}`;
  const fallback = configVariables.find((variable) => variable.name === "HANGAR_API_PORT")?.default;
  let offset: number;
  try {
    offset = portOffset(env);
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.config);
  }
  return `http://127.0.0.1:${Number(fallback ?? "8081") + offset}`;
}

function normalizeUrl(url: string, source: Source): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`the API URL (${source}) is not a URL: "${url}"`, ExitCode.config);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new CliError(`the API URL (${source}) must be http or https: "${url}"`, ExitCode.config);
  }
  return parsed.toString().replace(/\/+$/, "");
}

/**
 * Flags, then HANGAR_API_URL / HANGAR_TOKEN / HANGAR_WORKSPACE, then the config file,
 * then the local default. The file's token is only sent to the file's API: pointing a
 * command at another URL never hands that server the saved token.
 */
export function resolveSettings(flags: ConnectionFlags, env: NodeJS.ProcessEnv): Settings {
  const file = readConfigFile(env);
  const [rawUrl, apiUrlSource]: [string, Source] = flags.apiUrl
    ? [flags.apiUrl, "flag"]
    : env["HANGAR_API_URL"]
      ? [env["HANGAR_API_URL"], "environment"]
      : file.apiUrl
        ? [file.apiUrl, "config file"]
        : [defaultApiUrl(env), "default"];
  const apiUrl = normalizeUrl(rawUrl, apiUrlSource);
  const fileApplies =
    file.apiUrl === undefined || normalizeUrl(file.apiUrl, "config file") === apiUrl;
  const [token, tokenSource]: [string | undefined, Source | undefined] = flags.token
    ? [flags.token, "flag"]
    : env["HANGAR_TOKEN"]
      ? [env["HANGAR_TOKEN"], "environment"]
      : fileApplies && file.token
        ? [file.token, "config file"]
        : [undefined, undefined];
  const workspace =
    flags.workspace ||
    env["HANGAR_WORKSPACE"] ||
    (fileApplies ? file.workspace : undefined) ||
    undefined;
  return { apiUrl, apiUrlSource, token, tokenSource, workspace };
}
