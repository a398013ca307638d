import { describe, expect, it } from "vitest";
import { createSignatureVerifier, NoWebhookSecretError, signBody } from "./signature.js";

describe("webhook signatures", () => {
  const vectorSecret = "It's a Secret to Everybody";
  const vectorBody = Buffer.from("Hello, World!");
  const vectorSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

  it("matches GitHub's documented test vector", () => {
    expect(signBody(vectorSecret, vectorBody)).toBe(vectorSignature);
    expect(createSignatureVerifier([vectorSecret])(vectorBody, vectorSignature)).toEqual({
      kind: "valid",
    });
  });

  it("accepts either secret during a rotation", () => {
    const verify = createSignatureVerifier(["new-secret-value", vectorSecret]);
    expect(verify(vectorBody, vectorSignature).kind).toBe("valid");
    expect(verify(vectorBody, signBody("new-secret-value", vectorBody)).kind).toBe("valid");
    expect(verify(vectorBody, signBody("some-other-secret", vectorBody)).kind).toBe("invalid");
  });

  it.each([
    ["missing", undefined, "missing"],
    ["empty", "", "missing"],
    ["sha1 only", "sha1=0123456789abcdef0123456789abcdef01234567", "malformed"],
    ["no prefix", vectorSignature.slice("sha256=".length), "malformed"],
    ["short", vectorSignature.slice(0, -2), "malformed"],
    ["long", `${vectorSignature}00`, "malformed"],
    ["not hex", `sha256=${"z".repeat(64)}`, "malformed"],
    ["one bit off", vectorSignature.replace(/7$/, "6"), "mismatch"],
  ])("rejects a %s signature", (_name, header, reason) => {
    const verify = createSignatureVerifier([vectorSecret]);
    expect(verify(vectorBody, header)).toEqual({ kind: "invalid", reason });
  });

  it("covers the exact bytes: the same JSON with other whitespace does not verify", () => {
    const raw = Buffer.from('{"a": 1,\n "b": [1, 2]}');
    const verify = createSignatureVerifier([vectorSecret]);
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString())));
    expect(verify(reserialised, signBody(vectorSecret, raw)).kind).toBe("invalid");
  });

  it("refuses to run without a secret", () => {
    expect(() => createSignatureVerifier([])).toThrow(NoWebhookSecretError);
    expect(() => createSignatureVerifier([""])).toThrow(NoWebhookSecretError);
  });
});
