import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError, ExitCode } from "../exit-codes.js";

/** What `hangar login` remembers. The token is a secret: the file is the user's alone. */
export interface ConfigFile {
  apiUrl?: string;
  token?: string;
  workspace?: string;
}

/** $HANGAR_CONFIG, else $XDG_CONFIG_HOME/hangar/config.json, else ~/.config/hangar/config.json. */
export function configFilePath(env: NodeJS.ProcessEnv): string {
  const explicit = env["HANGAR_CONFIG"];
  if (explicit) return explicit;
  const base = env["XDG_CONFIG_HOME"] || join(env["HOME"] || homedir(), ".config");
  return join(base, "hangar", "config.json");
}

function stringField(
  value: Record<string, unknown>,
  key: string,
  path: string,
): string | undefined {
  const field = value[key];
  if (field === undefined) return undefined;
  if (typeof field !== "string") {
    throw new CliError(`${path}: "${key}" must be a string`, ExitCode.config);
  }
  return field;
}

export function readConfigFile(env: NodeJS.ProcessEnv): ConfigFile {
  const path = configFilePath(env);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`, ExitCode.config);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(
      `${path} is not valid JSON`,
      ExitCode.config,
      "fix it or run `hangar login` again",
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${path} must hold a JSON object`, ExitCode.config);
  }
  const record = parsed as Record<string, unknown>;
  const file: ConfigFile = {};
  const apiUrl = stringField(record, "apiUrl", path);
  const token = stringField(record, "token", path);
  const workspace = stringField(record, "workspace", path);
  if (apiUrl !== undefined) file.apiUrl = apiUrl;
  if (token !== undefined) file.token = token;
  if (workspace !== undefined) file.workspace = workspace;
  return file;
}

/** Written with mode 0600 (and fixed to it when the file already existed). */
export function writeConfigFile(env: NodeJS.ProcessEnv, file: ConfigFile): string {
  const path = configFilePath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}
