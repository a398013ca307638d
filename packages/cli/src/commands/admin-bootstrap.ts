import { hostname, userInfo } from "node:os";
import { loadConfig } from "@hangar/server/config/load.js";
import {
  bootstrap,
  BootstrapRequestError,
  type BootstrapOutcome,
} from "@hangar/server/main/bootstrap.js";
import { createDatabase } from "@hangar/server/storage/database.js";
import { migrationStatus } from "@hangar/server/storage/migration-status.js";
import { CliError, ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import type { BootstrapOptions } from "./admin.js";
import { chooseStartDatabase } from "./start-database.js";
import { parseTime } from "./time.js";

// `hangar admin bootstrap`: checks that the database is reachable and migrated, then
// makes the workspace and its token (main/bootstrap.ts) and prints the secret alone on
// standard output, everything meant for people on standard error.

/**
 * The database URL and namespace prefix, from the configuration as `hangar migrate` reads
 * it, with DATABASE_URL taken as an alias; never the development default database.
 */
function settings(io: Io): { url: string; namespacePrefix: string } {
  const choice = chooseStartDatabase(io.env, []);
  if (choice.database.kind !== "own") {
    throw new CliError(
      "no database URL: set HANGAR_DATABASE_URL (or DATABASE_URL) to Hangar's PostgreSQL",
      ExitCode.config,
      "admin bootstrap writes to the database directly; it never uses the local development default",
    );
  }
  for (const note of choice.notes) io.stderr.write(`note: ${note}\n`);
  const config = loadConfig({ ...io.env, ...choice.overrides });
  return { url: config.database.url.reveal(), namespacePrefix: config.kubernetes.namespacePrefix };
}

// Node's socket errors and PostgreSQL's connection-exception SQLSTATEs (class 08, and a
// server shutting down or starting): the database is not there to talk to right now.
const unreachableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "57P01",
  "57P02",
  "57P03",
]);
// Wrong credentials or database name: the URL is what needs fixing.
const misconfiguredCodes = new Set(["28000", "28P01", "3D000"]);

function codeOf(error: unknown): string {
  return error instanceof Error && "code" in error ? String(error.code) : "";
}

/** Where the URL points, without its password. */
function describe(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return "the configured database";
  }
}

function connectionError(error: unknown, url: string): unknown {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (
    unreachableCodes.has(code) ||
    code.startsWith("08") ||
    /connection terminated|timeout/i.test(message)
  ) {
    return new CliError(
      `cannot reach the database at ${describe(url)}: ${message}`,
      ExitCode.unavailable,
    );
  }
  if (misconfiguredCodes.has(code)) {
    return new CliError(`the database at ${describe(url)} refused: ${message}`, ExitCode.config);
  }
  return error;
}

async function requireCurrentSchema(url: string): Promise<void> {
  let status;
  try {
    status = await migrationStatus(url);
  } catch (error) {
    throw connectionError(error, url);
  }
  if (status.pending.length > 0) {
    throw new CliError(
      `the database is not at this release's schema: ${status.pending.length} migration(s) pending (${status.pending.join(", ")})`,
      ExitCode.failure,
      "run `hangar migrate` first",
    );
  }
  if (status.changed.length > 0) {
    throw new CliError(
      `applied migrations differ from this release's files (${status.changed.join(", ")})`,
      ExitCode.failure,
      "run `hangar migrate`, which says what changed",
    );
  }
}

function operator(io: Io): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // A container user without a passwd entry.
    user = io.env["USER"] ?? String(process.getuid?.() ?? "unknown");
  }
  return `${user}@${hostname()}`;
}

function utc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")}Z`;
}

function expiryOf(options: BootstrapOptions): Date | null {
  if (!options.expiry) return null;
  if (!/^\d+[mhdw]$/.test(options.expiresIn)) {
    throw new CliError(
      `--expires-in takes a span such as 30d, 12h or 2w, not "${options.expiresIn}"`,
      ExitCode.usage,
    );
  }
  return parseTime("--expires-in", options.expiresIn, { future: true });
}

function report(
  io: Io,
  slug: string,
  options: BootstrapOptions & { json: boolean },
  outcome: Extract<BootstrapOutcome, { kind: "created" }>,
): void {
  const err = (line: string) => io.stderr.write(`${line}\n`);
  if (outcome.workspaceCreated) {
    err(`Created workspace ${slug} ("${outcome.workspaceName}", ${outcome.workspaceId}).`);
  } else {
    err(`Using the existing workspace ${slug} (${outcome.workspaceId}).`);
    if (options.name !== undefined && options.name !== outcome.workspaceName) {
      err(`It keeps its name "${outcome.workspaceName}": --name applies only when creating it.`);
    }
  }
  for (const token of outcome.revoked) {
    err(`Revoked the earlier bootstrap token ${token.prefix}… (${token.id}).`);
  }
  if (options.rotate === true && outcome.revoked.length === 0) {
    err("No live bootstrap token to revoke: --rotate changed nothing else.");
  }
  if (outcome.platformAdminDropped) {
    err(
      "warning: the revoked token was platform administrator and the new one is not (--platform-admin makes it one)",
    );
  }
  const admin = options.platformAdmin === true ? " and platform administrator" : "";
  const expiry =
    outcome.expiresAt === null ? "it never expires" : `it expires ${utc(outcome.expiresAt)}`;
  err(`Created token "${options.tokenName}" (${outcome.tokenId}): owner${admin}; ${expiry}.`);
  err("Its secret is on standard output, shown this once. Next:");
  err(`  echo "$TOKEN" | hangar login --api-url <API URL> -w ${slug}`);
}

export async function runBootstrap(
  io: Io,
  options: BootstrapOptions & { slug: string; json: boolean },
): Promise<void> {
  const expiresAt = expiryOf(options);
  const { url, namespacePrefix } = settings(io);
  await requireCurrentSchema(url);
  const database = createDatabase(url, { max: 1 });
  let outcome: BootstrapOutcome;
  try {
    outcome = await bootstrap(database.db, {
      slug: options.slug,
      name: options.name ?? options.slug,
      namespacePrefix,
      tokenName: options.tokenName,
      expiresAt,
      platformAdmin: options.platformAdmin === true,
      rotate: options.rotate === true,
      operator: operator(io),
    });
  } catch (error) {
    if (error instanceof BootstrapRequestError) throw new CliError(error.message, ExitCode.usage);
    throw connectionError(error, url);
  } finally {
    await database.close();
  }
  if (outcome.kind === "refused") {
    const token = outcome.existing;
    const expires =
      token.expires_at === null ? "never expires" : `expires ${utc(token.expires_at)}`;
    throw new CliError(
      `workspace ${options.slug} already has a bootstrap token: "${token.name}" ${token.prefix}… (${token.id}), created ${utc(token.created_at)}, ${expires}`,
      ExitCode.failure,
      "--rotate revokes it and makes a new one; further tokens come from `hangar tokens create`",
    );
  }
  report(io, options.slug, options, outcome);
  if (options.json) {
    const { workspaceId, token, tokenId } = outcome;
    io.stdout.write(`${JSON.stringify({ workspaceId, token, tokenId }, null, 2)}\n`);
  } else {
    io.stdout.write(`${outcome.token}\n`);
  }
}
