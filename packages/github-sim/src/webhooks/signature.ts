import { createHmac, timingSafeEqual } from "node:crypto";

const PREFIX = "sha256=";
const HEX_DIGEST = /^[0-9a-f]{64}$/;

/** `X-Hub-Signature-256`: HMAC-SHA256 over the exact bytes sent, keyed by the webhook secret. */
export function signPayload(secret: string, body: string | Uint8Array): string {
  return PREFIX + createHmac("sha256", secret).update(body).digest("hex");
}

/**
 * The legacy `X-Hub-Signature` (`sha1=<hex>`) GitHub still sends next to the
 * sha256 one. Only the simulator produces it; nothing may verify with it.
 */
export function signPayloadSha1(secret: string, body: string | Uint8Array): string {
  return "sha1=" + createHmac("sha1", secret).update(body).digest("hex");
}

/**
 * Checks a delivery's `X-Hub-Signature-256` over the raw bytes received.
 * Only `sha256=<64 lowercase hex>` is accepted: the legacy `sha1=` header is
 * weaker and must never be enough on its own.
 */
export function verifySignature(
  secret: string,
  body: Uint8Array,
  header: string | undefined,
): boolean {
  if (header === undefined || !header.startsWith(PREFIX)) return false;
  const hex = header.slice(PREFIX.length);
  if (!HEX_DIGEST.test(hex)) return false;
  const received = Buffer.from(hex, "hex");
  const expected = createHmac("sha256", secret).update(body).digest();
  // timingSafeEqual throws on unequal lengths; the regex already fixed it,
  // and the explicit check keeps that true if the format check ever changes.
  return received.length === expected.length && timingSafeEqual(received, expected);
}
