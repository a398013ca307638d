import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { createSecretCipher, DecryptionError } from "./envelope.js";
import { createKeyRing, KeyRingError } from "./key-ring.js";
import { Plaintext, scrub } from "./plaintext.js";

const newKey = () => randomBytes(32).toString("base64");
const secret = Buffer.from("correct horse battery staple", "utf8");

describe("envelope encryption", () => {
  const oldKey = { id: "2025", key: newKey() };
  const currentKey = { id: "2026", key: newKey() };
  const before = createSecretCipher(createKeyRing(oldKey));
  const after = createSecretCipher(createKeyRing(currentKey, [oldKey]));

  it("round-trips, and never stores the plaintext or repeats a ciphertext", () => {
    const a = before.seal(secret, "ctx");
    const b = before.seal(secret, "ctx");
    expect(a.keyId).toBe("2025");
    expect(before.open(a, "ctx").equals(secret)).toBe(true);
    expect(a.ciphertext.includes(secret)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it("opens rows sealed under a previous key and re-wraps them under the current one", () => {
    const old = before.seal(secret, "ctx");
    expect(after.open(old, "ctx").equals(secret)).toBe(true);
    const rewrapped = after.rewrap(old, "ctx");
    expect(rewrapped?.keyId).toBe("2026");
    expect(after.open(rewrapped!, "ctx").equals(secret)).toBe(true);
    expect(after.rewrap(rewrapped!, "ctx")).toBeNull();
    // Only the wrap changes: the secret's own ciphertext is carried over as is.
    expect(rewrapped!.ciphertext.subarray(61).equals(old.ciphertext.subarray(61))).toBe(true);
    // A ring without the new key cannot open the re-wrapped row.
    expect(() => before.open(rewrapped!, "ctx")).toThrow(/no key 2026/);
  });

  type Tampered = { ciphertext: Buffer; keyId: string; context: string };
  const cases: [string, (s: Tampered) => Tampered][] = [
    ["another context", (s) => ({ ...s, context: "other" })],
    ["a relabelled key id", (s) => ({ ...s, keyId: "2025" })],
    ["a flipped bit in the data", (s) => ({ ...s, ciphertext: flip(s.ciphertext, -1) })],
    ["a flipped bit in the wrapped key", (s) => ({ ...s, ciphertext: flip(s.ciphertext, 20) })],
    ["a truncated ciphertext", (s) => ({ ...s, ciphertext: s.ciphertext.subarray(0, 40) })],
  ];
  it.each(cases)("refuses %s without saying anything about the secret", (_what, tamper) => {
    const changed = tamper({ ...after.seal(secret, "ctx"), context: "ctx" });
    let thrown: unknown;
    try {
      after.open({ ciphertext: changed.ciphertext, keyId: changed.keyId }, changed.context);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DecryptionError);
    expect(String(thrown)).not.toContain(secret.toString("utf8"));
  });

  it("refuses malformed key rings, naming the key but not its value", () => {
    const short = randomBytes(16).toString("base64");
    expect(() => createKeyRing({ id: "k", key: short })).toThrow(KeyRingError);
    expect(() => createKeyRing({ id: "k", key: short })).not.toThrow(short);
    expect(() => createKeyRing(currentKey, [{ id: "2026", key: newKey() }])).toThrow(/used twice/);
    expect(() => createKeyRing({ id: "a\0b", key: newKey() })).toThrow(KeyRingError);
  });
});

describe("Plaintext", () => {
  it("prints as [redacted] however it is turned into text", () => {
    const held = new Plaintext({ password: "hunter22" });
    expect(String(held)).toBe("[redacted]");
    expect(JSON.stringify({ held })).toBe('{"held":"[redacted]"}');
    expect(inspect({ held })).not.toContain("hunter22");
    expect(held.reveal().password).toBe("hunter22");
  });

  it("scrubs secrets out of third-party messages", () => {
    expect(
      scrub("key AKIAEXAMPLE1234 denied for AKIAEXAMPLE", ["AKIAEXAMPLE", "AKIAEXAMPLE1234"]),
    ).toBe("key [redacted] denied for [redacted]");
  });
});

function flip(buffer: Buffer, index: number): Buffer {
  const copy = Buffer.from(buffer);
  const at = index < 0 ? copy.length + index : index;
  copy[at] = (copy[at] ?? 0) ^ 1;
  return copy;
}
