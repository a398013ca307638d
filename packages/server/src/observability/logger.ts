import pino from "pino";
import { logCorrelation } from "./log-correlation.js";

// The one logger module: every subsystem gets a child of the logger main/
// builds here, so redaction is configured once and cannot be forgotten.

export type Logger = pino.Logger;
export type LogLevel = pino.LevelWithSilent;
export type LogDestination = pino.DestinationStream;

export interface LoggerOptions {
  readonly level: LogLevel;
  /**
   * One human-readable line per entry, for a terminal. Built in (see
   * prettyPrinting) rather than pino-pretty, to keep the dependency list short.
   */
  readonly pretty?: boolean;
  /** Fields on every line, e.g. `{ role: "worker" }`. */
  readonly base?: Record<string, unknown>;
  /** Where lines go; standard output when absent. Tests pass a memory stream. */
  readonly destination?: LogDestination;
  /**
   * Known secret values (the webhook secret, the App key, …) to scrub from the
   * finished line wherever they appear, including inside free-text messages
   * and error stacks that field redaction cannot see. Called per line, so a
   * rotated secret is picked up; the prepared search list is rebuilt only
   * when the values change.
   */
  readonly secrets?: () => readonly string[];
}

export const REDACTED = "[redacted]";

/**
 * Field names whose values are credentials wherever they appear. Matched at
 * the top level and up to three objects deep: pino's redaction has no
 * "any depth" wildcard, and each extra level costs time on every line.
 */
const sensitiveKeys = [
  "authorization",
  "Authorization",
  "cookie",
  "set-cookie",
  "x-hub-signature-256",
  "token",
  "accessToken",
  "password",
  "privateKey",
  "private_key",
  "webhookSecret",
  "previousWebhookSecret",
  "secret",
  "jitConfig",
  "encodedJitConfig",
  "encoded_jit_config",
  "secretAccessKey",
  "serviceAccountKey",
  ".dockerconfigjson",
  "apiKey",
  "encryptionKey",
  "connectionString",
  "jwt",
  "installationToken",
  "access_token",
  "refresh_token",
  "jit_config",
  "apiToken",
];

export const redactedPaths: readonly string[] = sensitiveKeys.flatMap((key) => {
  // Header names with dashes need pino's bracket syntax.
  const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`;
  const top = segment.startsWith(".") ? key : segment;
  return [top, `*${segment}`, `*.*${segment}`, `*.*.*${segment}`];
});

/**
 * Credentials recognisable by their shape, scrubbed from every line wherever they
 * appear (a field no redaction path names, an error message quoting a request):
 * GitHub's tokens (installation `ghs_`, user `ghu_`, OAuth `gho_`, personal `ghp_`,
 * refresh `ghr_`, fine-grained `github_pat_`), Hangar's API tokens (`hgr_`) and JWTs
 * such as the App's. JIT configs and keys have no such shape: field redaction and
 * the configured secrets cover those.
 */
const CREDENTIAL_SHAPES =
  /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|hgr_[\w-]{20,}|eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+)/g;

/** A minimum length, so that scrubbing "abc" does not shred ordinary words. */
const MIN_SCRUBBED_LENGTH = 8;

export function createLogger(options: LoggerOptions): Logger {
  let destination = options.destination ?? pino.destination(1);
  if (options.pretty === true) destination = prettyPrinting(destination);
  // Wrapped last so it runs first, on the JSON line, whatever the output format.
  destination = scrubbing(destination, options.secrets ?? noSecrets);
  return pino(
    {
      level: options.level,
      base: { service: "hangar", ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Level names, not numbers: log collectors and people both read "warn".
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...redactedPaths], censor: REDACTED },
      // trace_id, span_id, workflow_id and job_id from the async context of each call.
      mixin: logCorrelation,
    },
    destination,
  );
}

/**
 * Replaces credential-shaped tokens and each known secret in a finished line. A
 * secret inside a JSON string is escaped (a PEM key's newlines become `\n`), so both
 * spellings are searched for; longer secrets go first so one containing another is
 * removed whole.
 */
function scrubbing(target: LogDestination, secrets: () => readonly string[]): LogDestination {
  let lastSecrets: readonly string[] = [];
  let needles: string[] = [];
  return {
    write(finished: string) {
      const line = finished.replace(CREDENTIAL_SHAPES, REDACTED);
      const current = secrets();
      if (current.length === 0) {
        target.write(line);
        return;
      }
      if (!sameValues(current, lastSecrets)) {
        lastSecrets = current;
        const spellings = current
          .filter((secret) => secret.length >= MIN_SCRUBBED_LENGTH)
          .flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]);
        needles = [...new Set(spellings)].sort((a, b) => b.length - a.length);
      }
      let scrubbed = line;
      for (const needle of needles) {
        if (scrubbed.includes(needle)) scrubbed = scrubbed.replaceAll(needle, REDACTED);
      }
      target.write(scrubbed);
    },
  };
}

const noSecrets = (): readonly string[] => [];

function sameValues(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((value, i) => value === b[i]));
}

/** `12:00:00.000 INFO  intake: message {"other":"fields"}`; lines that are not JSON pass through. */
function prettyPrinting(target: LogDestination): LogDestination {
  return {
    write(line: string) {
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        target.write(line);
        return;
      }
      if (typeof entry !== "object" || entry === null) {
        target.write(line);
        return;
      }
      const {
        time,
        level,
        msg,
        service: _service,
        subsystem,
        ...rest
      } = Object.fromEntries(Object.entries(entry));
      const clock = typeof time === "string" ? time.slice(11, 23) : "";
      const label = (typeof level === "string" ? level : "").toUpperCase().padEnd(5);
      const scope = typeof subsystem === "string" ? `${subsystem}: ` : "";
      const text = typeof msg === "string" ? msg : "";
      const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : "";
      target.write(`${clock} ${label} ${scope}${text}${fields}\n`);
    },
  };
}
