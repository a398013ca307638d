import { createPrivateKey } from "node:crypto";
import { isIP } from "node:net";
import { z } from "zod";
import { Secret } from "./secret.js";
import type { Role } from "./types.js";

// Parsers from one environment string to a typed value. Their messages never
// quote the input: a secret pasted into the wrong variable must not end up in
// a crash log.

/** `z.coerce.boolean()` would read "false" as true; accept only words that mean yes or no. */
export const strictBoolean = z.stringbool({
  truthy: ["true", "1", "yes"],
  falsy: ["false", "0", "no"],
  case: "insensitive",
  error: "must be one of true, false, 1, 0, yes, no",
});

/** Digits only: `Number("12abc")` is NaN but `parseInt("12abc")` is 12, and "1e3" or " 7" are surprises too. */
export function integer(bounds: { min: number; max: number; unit?: string }) {
  const unit = bounds.unit === undefined ? "" : ` (${bounds.unit})`;
  return z
    .string()
    .regex(/^\d+$/, `must be a whole number${unit}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .min(bounds.min, `must be at least ${bounds.min}${unit}`)
        .max(bounds.max, `must be at most ${bounds.max}${unit}`),
    );
}

/**
 * Kubernetes injects `<SERVICE>_PORT=tcp://10.0.0.1:8080` for every Service in
 * the namespace, so a Service named `hangar-api` silently sets HANGAR_API_PORT.
 * Say so instead of "must be a whole number".
 */
export const port = z
  .string()
  .refine(
    (value) => !value.startsWith("tcp://"),
    "looks like a Kubernetes service link (tcp://…); set enableServiceLinks: false on the pod",
  )
  .pipe(integer({ min: 0, max: 65535 }));

/** Lower-cased so `INFO` and `info` both work; the canonical spelling is what the code sees. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z
    .string()
    .transform((value) => value.toLowerCase())
    .pipe(z.enum(values, { error: `must be one of ${values.join(", ")}` }));
}

/** An absolute URL with one of the given schemes; no trailing slash so callers can append paths. */
export function url(protocols: readonly string[]) {
  const schemes = protocols.map((p) => `${p}://`).join(" or ");
  return z.string().transform((value, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: `must be an absolute URL (${schemes})` });
      return z.NEVER;
    }
    if (!protocols.includes(parsed.protocol.slice(0, -1))) {
      ctx.addIssue({ code: "custom", message: `must start with ${schemes}` });
      return z.NEVER;
    }
    return value.replace(/\/+$/, "");
  });
}

/** A host name or IP address (IPv6 without brackets), as `listen()` and gRPC dialers want it. */
const hostPattern = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
export const host = z
  .string()
  .refine(
    (value) => isIP(value) !== 0 || hostPattern.test(value),
    "must be a host name or IP address",
  );

/** `host:port`, the form Temporal's gRPC client dials; `[v6]:port` for IPv6. */
export const hostAndPort = z.string().refine((value) => {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  if (match === null) return false;
  const name = match[1] ?? match[2] ?? "";
  const portNumber = Number(match[3]);
  return (isIP(name) !== 0 || hostPattern.test(name)) && portNumber >= 1 && portNumber <= 65535;
}, "must be host:port (for example temporal.example.com:7233)");

/** A non-empty name without surrounding whitespace (a stray space in YAML is a classic). */
export const nonBlank = z
  .string()
  .regex(/^\S(.*\S)?$/, "must not be blank or start or end with whitespace");

/**
 * Namespace names are DNS labels of at most 63 characters; the prefix gets a
 * workspace slug appended, so keep it short and label-shaped.
 */
export const namespacePrefix = z
  .string()
  .max(30, "must be at most 30 characters, leaving room for the workspace name")
  .regex(
    /^[a-z]([-a-z0-9]*)$/,
    "must be lower-case letters, digits and '-', starting with a letter",
  );

/**
 * Marks a variable required for non-dev roles (dev supplies its own defaults or
 * modes). An invalid role is held to the non-dev rules while it is reported.
 */
export function requiredOutsideDev(role: Role | undefined) {
  const roles = role === undefined || role === "dev" ? "intake, api or worker" : role;
  const message = `required when HANGAR_ROLE is ${roles}`;
  return <T>(schema: z.ZodType<T, string>) => z.string({ error: message }).pipe(schema);
}

/** Wraps a parsed string so it cannot leak through logs or JSON. */
export function secret(inner: z.ZodType<string, string> = z.string()) {
  return inner.transform((value) => new Secret(value));
}

/** Fails at start-up, not at the first webhook, when the key is unusable. */
export const rsaPrivateKeyPem = z.string().superRefine((value, ctx) => {
  let type: string | undefined;
  try {
    type = createPrivateKey(value).asymmetricKeyType;
  } catch {
    ctx.addIssue({ code: "custom", message: "must be a PEM-encoded private key" });
    return;
  }
  if (type !== "rsa") {
    ctx.addIssue({
      code: "custom",
      message: "must be an RSA private key (GitHub Apps sign RS256)",
    });
  }
});

/** AES-256 needs exactly 32 bytes; Buffer.from(…, "base64") would silently skip bad characters. */
export const base64Key32 = z.string().superRefine((value, ctx) => {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value) || value.length % 4 !== 0) {
    ctx.addIssue({ code: "custom", message: "must be base64 (openssl rand -base64 32)" });
  } else if (Buffer.from(value, "base64").length !== 32) {
    ctx.addIssue({ code: "custom", message: "must decode to exactly 32 bytes" });
  }
});
