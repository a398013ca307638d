import { createHmac, timingSafeEqual } from "node:crypto";

// X-Hub-Signature-256 verification. It runs over the exact bytes received, before any
// parsing, so nothing an attacker sends is interpreted until it is known to be GitHub's.

export type SignatureCheck =
  { kind: "valid" } | { kind: "invalid"; reason: "missing" | "malformed" | "mismatch" };

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

export class NoWebhookSecretError extends Error {
  constructor() {
    super("at least one webhook secret is required to verify deliveries");
    this.name = "NoWebhookSecretError";
  }
}

/**
 * Builds a verifier over the accepted secrets (current first, then any previous one
 * during a rotation). Secrets are copied into Buffers once; the verifier never returns
 * or logs them.
 */
export function createSignatureVerifier(
  secrets: readonly string[],
): (rawBody: Buffer, header: string | undefined) => SignatureCheck {
  const keys = secrets.filter((secret) => secret.length > 0).map((s) => Buffer.from(s, "utf8"));
  if (keys.length === 0) throw new NoWebhookSecretError();
  return (rawBody, header) => {
    if (header === undefined || header === "") return { kind: "invalid", reason: "missing" };
    const match = SIGNATURE.exec(header);
    const hex = match?.[1];
    if (hex === undefined) return { kind: "invalid", reason: "malformed" };
    const received = Buffer.from(hex, "hex");
    // Every key is tried even after a match, so timing does not reveal which secret
    // (current or previous) signed the delivery.
    let valid = false;
    for (const key of keys) {
      const expected = createHmac("sha256", key).update(rawBody).digest();
      // Equal lengths are guaranteed by the pattern (32 bytes); timingSafeEqual throws
      // otherwise, so the check stays explicit.
      if (expected.length === received.length && timingSafeEqual(expected, received)) {
        valid = true;
      }
    }
    return valid ? { kind: "valid" } : { kind: "invalid", reason: "mismatch" };
  };
}

/** `sha256=<hex>` for a body: what GitHub sends, and what tests and the bench sign with. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}
