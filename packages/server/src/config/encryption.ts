import { z } from "zod";
import { base64Key32, requiredOutsideDev } from "./parsers.js";
import { Secret } from "./secret.js";
import type { Config, Role } from "./types.js";
import { DEVELOPMENT_ENCRYPTION_KEY } from "./variables.js";

// The key ring that encrypts credentials at rest: one current key that
// encrypts, and previous keys that still decrypt until every row has been
// re-encrypted, so a key can be rotated without downtime.

const keyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;
const keyId = z.string().regex(keyIdPattern, "must be 1-64 letters, digits, '.', '_' or '-'");

/** `id:base64key`, comma-separated. Messages never quote the value: it is key material. */
const previousKeys = z.string().transform((value, ctx) => {
  const keys: { id: string; key: Secret }[] = [];
  for (const [index, item] of value.split(",").entries()) {
    const entry = item.trim();
    const colon = entry.indexOf(":");
    const id = entry.slice(0, colon);
    const key = entry.slice(colon + 1);
    const position = `entry ${index + 1}`;
    if (colon < 0 || !keyIdPattern.test(id)) {
      ctx.addIssue({ code: "custom", message: `${position} must be keyId:base64key` });
    } else if (!base64Key32.safeParse(key).success) {
      ctx.addIssue({ code: "custom", message: `${position}: the key must be 32 bytes, base64` });
    } else {
      keys.push({ id, key: new Secret(key) });
    }
  }
  return keys;
});

export function encryptionSection(role: Role | undefined) {
  const required = requiredOutsideDev(role);
  return z
    .object({
      HANGAR_ENCRYPTION_KEY: required(base64Key32),
      HANGAR_ENCRYPTION_KEY_ID: keyId,
      HANGAR_ENCRYPTION_PREVIOUS_KEYS: previousKeys.optional(),
    })
    .transform((env, ctx): Config["encryption"] => {
      const previous = env.HANGAR_ENCRYPTION_PREVIOUS_KEYS ?? [];
      const isDevelopmentKey = env.HANGAR_ENCRYPTION_KEY === DEVELOPMENT_ENCRYPTION_KEY;
      const problems: [variable: string, message: string][] = [];
      if (role !== "dev") {
        if (isDevelopmentKey) {
          problems.push([
            "HANGAR_ENCRYPTION_KEY",
            "is the public development key; generate one with `openssl rand -base64 32`",
          ]);
        }
        if (previous.some((p) => p.key.reveal() === DEVELOPMENT_ENCRYPTION_KEY)) {
          problems.push([
            "HANGAR_ENCRYPTION_PREVIOUS_KEYS",
            "must not contain the public development key",
          ]);
        }
      }
      const ids = [env.HANGAR_ENCRYPTION_KEY_ID, ...previous.map((p) => p.id)];
      const repeated = [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
      if (repeated.length > 0) {
        // One id naming two keys would leave rows under it undecryptable by one of them.
        problems.push([
          "HANGAR_ENCRYPTION_PREVIOUS_KEYS",
          `key ids must be unique and differ from HANGAR_ENCRYPTION_KEY_ID: ${repeated.join(", ")}`,
        ]);
      }
      for (const [variable, message] of problems) {
        ctx.addIssue({ code: "custom", path: [variable], message });
      }
      if (problems.length > 0) return z.NEVER;
      return {
        key: new Secret(env.HANGAR_ENCRYPTION_KEY),
        keyId: env.HANGAR_ENCRYPTION_KEY_ID,
        previousKeys: previous,
        isDevelopmentKey,
      };
    });
}
