import { generateKeyPairSync, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createAppJwt, createAppJwtSource, parsePrivateKey } from "./app-jwt.js";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();

function decode(jwt: string): { header: unknown; claims: Record<string, unknown> } {
  const [header = "", claims = ""] = jwt.split(".");
  return {
    header: JSON.parse(Buffer.from(header, "base64url").toString()) as unknown,
    claims: JSON.parse(Buffer.from(claims, "base64url").toString()) as Record<string, unknown>,
  };
}

describe("App JWT", () => {
  it("is RS256, issued 60 s in the past, expiring less than 10 minutes ahead", () => {
    const nowMs = Date.parse("2026-01-05T09:00:00Z");
    const jwt = createAppJwt({ appId: 42, privateKey: parsePrivateKey(pem), nowMs });
    const { header, claims } = decode(jwt.token);
    const now = nowMs / 1000;
    expect(header).toEqual({ alg: "RS256", typ: "JWT" });
    expect(claims).toEqual({ iat: now - 60, exp: now + 540, iss: "42" });
    expect(Number(claims.exp) - now).toBeLessThan(600);

    const [h = "", c = "", signature = ""] = jwt.token.split(".");
    const valid = verify(
      "sha256",
      Buffer.from(`${h}.${c}`),
      publicKey,
      Buffer.from(signature, "base64url"),
    );
    expect(valid).toBe(true);
  });

  it("accepts a key whose newlines were escaped into an environment variable", () => {
    expect(() => parsePrivateKey(pem.replace(/\n/g, "\\n"))).not.toThrow();
  });

  it("is reused for a few minutes on the injected clock, then signed afresh", () => {
    let now = Date.parse("2026-01-05T09:00:00Z");
    const source = createAppJwtSource({ appId: 42, privateKeyPem: pem, now: () => now });
    const first = source.get();
    now += 6 * 60_000;
    expect(source.get()).toBe(first);
    now += 60_000;
    const second = source.get();
    expect(second).not.toBe(first);
    expect(decode(second).claims.iat).toBe(now / 1000 - 60);

    source.invalidate(second);
    now += 1_000;
    expect(source.get()).not.toBe(second);
  });
});
