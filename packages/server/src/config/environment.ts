import type { ConfigIssue } from "./types.js";
import { configVariables, type ConfigVariable, type ConfigVariableName } from "./variables.js";

/** Each known variable's text after `_FILE` resolution and defaults; absent when unset. */
export type RawEnvironment = Readonly<Partial<Record<ConfigVariableName, string>>>;

export type ReadFile = (path: string) => string;

/**
 * Turns the process environment into one string per known variable: secrets
 * come from `<NAME>_FILE` when set (how Kubernetes and Docker mount them), and
 * unset variables get their defaults. Empty strings count as unset, because
 * `FOO=` is how Compose files and Helm templates usually spell "not set".
 */
export function readEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  readFile: ReadFile,
): { raw: RawEnvironment; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  // Defaults depend on the role, which is not validated yet: anything that is
  // not "dev" gets the production defaults, and the role's own error is
  // reported when the schema parses it.
  const isDev = (present(env.HANGAR_ROLE) ?? "dev").toLowerCase() === "dev";
  const raw: Partial<Record<ConfigVariableName, string>> = {};
  for (const variable of configVariables) {
    // Widened so that `devDefault`, present on a few entries only, can be read.
    const entry: ConfigVariable = variable;
    const reported = issues.length;
    const value = entry.secret
      ? readSecret(entry.name, env, readFile, issues)
      : present(env[entry.name]);
    // A secret that could not be read is not "unset": no default, no second error.
    if (issues.length > reported) continue;
    const resolved = value ?? (isDev ? entry.devDefault : undefined) ?? entry.default;
    if (resolved !== undefined) raw[variable.name] = resolved;
  }
  return { raw, issues };
}

function readSecret(
  name: string,
  env: Readonly<Record<string, string | undefined>>,
  readFile: ReadFile,
  issues: ConfigIssue[],
): string | undefined {
  const value = present(env[name]);
  const path = present(env[`${name}_FILE`]);
  if (path === undefined) return value;
  if (value !== undefined) {
    // Guessing which one wins would hide a half-finished migration to files.
    issues.push({ variable: name, message: `set either ${name} or ${name}_FILE, not both` });
    return undefined;
  }
  let content: string;
  try {
    content = readFile(path);
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "unreadable";
    issues.push({ variable: `${name}_FILE`, message: `cannot read ${path} (${code})` });
    return undefined;
  }
  // Editors and `echo` end files with a newline that is not part of the secret;
  // anything else (spaces, a second newline) is left alone, as it might be.
  const trimmed = content.replace(/\r?\n$/, "");
  if (trimmed === "") {
    issues.push({ variable: `${name}_FILE`, message: `${path} is empty` });
    return undefined;
  }
  return trimmed;
}

function present(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
