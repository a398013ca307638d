import { ConfigError } from "@hangar/server/config/load.js";

/**
 * Which PostgreSQL `hangar start` runs against:
 *
 * - `own`: the environment names one (HANGAR_DATABASE_URL, HANGAR_DATABASE_URL_FILE,
 *   or DATABASE_URL, the name most tools and platforms use, as an alias);
 * - `embedded`: otherwise, by default, the embedded PGlite in this process;
 * - `local`: with `--database postgres`, the local PostgreSQL service (Debian's server
 *   binaries, started and kept running in the dev state directory).
 */
export type StartDatabase =
  { kind: "own"; source: string } | { kind: "embedded" } | { kind: "local" };

export interface StartDatabaseChoice {
  database: StartDatabase;
  /** Variables to lay over the environment before loading the configuration. */
  overrides: Record<string, string>;
  /** Something the user should hear about (a variable that was ignored). */
  notes: string[];
}

const flagValues = { embedded: "embedded", postgres: "local" } as const;

function present(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** `--database <embedded|postgres>` (or `--database=…`); nothing else is accepted. */
function parseDatabaseFlag(args: readonly string[]): keyof typeof flagValues | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--database") value = args[++i] ?? "";
    else if (arg.startsWith("--database=")) value = arg.slice("--database=".length);
    else throw new ConfigError([{ variable: arg, message: "unknown option of hangar start" }]);
  }
  if (value === undefined) return undefined;
  if (value === "embedded" || value === "postgres") return value;
  throw new ConfigError([{ variable: "--database", message: "must be embedded or postgres" }]);
}

export function chooseStartDatabase(
  env: Readonly<Record<string, string | undefined>>,
  args: readonly string[],
): StartDatabaseChoice {
  const flag = parseDatabaseFlag(args);
  const hangarUrl = present(env["HANGAR_DATABASE_URL"]);
  const hangarFile = present(env["HANGAR_DATABASE_URL_FILE"]);
  const alias = present(env["DATABASE_URL"]);
  const source = hangarUrl
    ? "HANGAR_DATABASE_URL"
    : hangarFile
      ? "HANGAR_DATABASE_URL_FILE"
      : alias
        ? "DATABASE_URL"
        : undefined;

  if (source === undefined) {
    return {
      database: flag === undefined ? { kind: "embedded" } : { kind: flagValues[flag] },
      overrides: {},
      notes: [],
    };
  }
  if (flag !== undefined) {
    // Guessing which of the two was meant would run against the wrong data.
    throw new ConfigError([
      { variable: "--database", message: `picks a local database, but ${source} names one` },
    ]);
  }
  const notes =
    source !== "DATABASE_URL" && alias !== undefined && alias !== hangarUrl
      ? [`DATABASE_URL is ignored: ${source} is set and takes precedence`]
      : [];
  return {
    database: { kind: "own", source },
    overrides: source === "DATABASE_URL" && alias ? { HANGAR_DATABASE_URL: alias } : {},
    notes,
  };
}
