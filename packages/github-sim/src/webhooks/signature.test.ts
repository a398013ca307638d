import { describe, expect, it } from "vitest";
import { deliveryHeaders } from "./headers.js";
import { signPayload, signPayloadSha1, verifySignature } from "./signature.js";

// GitHub's published test vector (docs: "Validating webhook deliveries").
const SECRET = "It's a Secret to Everybody";
const BODY = "Hello, World!";
const EXPECTED = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
const bytes = (s: string) => new TextEncoder().encode(s);

describe("webhook signatures", () => {
  it("matches GitHub's published vector for strings and bytes", () => {
    expect(signPayload(SECRET, BODY)).toBe(EXPECTED);
    expect(signPayload(SECRET, bytes(BODY))).toBe(EXPECTED);
    expect(verifySignature(SECRET, bytes(BODY), EXPECTED)).toBe(true);
  });

  it("rejects a wrong secret and a body with one flipped byte", () => {
    expect(verifySignature("It's a Secret to Nobody", bytes(BODY), EXPECTED)).toBe(false);
    const flipped = bytes(BODY);
    flipped[0] = (flipped[0] ?? 0) ^ 0x01;
    expect(verifySignature(SECRET, flipped, EXPECTED)).toBe(false);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["garbage", "garbage"],
    ["bare hex", EXPECTED.slice("sha256=".length)],
    ["uppercase hex", "sha256=" + EXPECTED.slice(7).toUpperCase()],
    ["truncated", EXPECTED.slice(0, -2)],
    ["too long", EXPECTED + "00"],
    ["non-hex", EXPECTED.slice(0, -1) + "z"],
    ["sha1", signPayloadSha1(SECRET, BODY)],
  ])("rejects a %s header", (_name, header) => {
    expect(verifySignature(SECRET, bytes(BODY), header)).toBe(false);
  });
});

describe("delivery headers", () => {
  it("carries what GitHub sends with an App webhook", () => {
    const headers = deliveryHeaders({
      event: "workflow_job",
      guid: "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      hookId: 12345,
      installationTargetId: 7,
      installationTargetType: "integration",
      signature256: signPayload(SECRET, BODY),
      signature1: signPayloadSha1(SECRET, BODY),
    });
    expect(headers).toEqual({
      "User-Agent": expect.stringMatching(/^GitHub-Hookshot\/[0-9a-f]+$/) as unknown,
      "Content-Type": "application/json",
      "X-GitHub-Event": "workflow_job",
      "X-GitHub-Delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
      "X-GitHub-Hook-ID": "12345",
      "X-GitHub-Hook-Installation-Target-Type": "integration",
      "X-GitHub-Hook-Installation-Target-ID": "7",
      "X-Hub-Signature-256": EXPECTED,
      "X-Hub-Signature": expect.stringMatching(/^sha1=[0-9a-f]{40}$/) as unknown,
    });
  });

  it("lets the simulator name its own Hookshot build and leave out the legacy header", () => {
    const headers = deliveryHeaders({
      event: "ping",
      guid: "g",
      hookId: 1,
      installationTargetId: 7,
      installationTargetType: "integration",
      signature256: EXPECTED,
      userAgent: "GitHub-Hookshot/abc123",
    });
    expect(headers["User-Agent"]).toBe("GitHub-Hookshot/abc123");
    expect(headers).not.toHaveProperty("X-Hub-Signature");
  });
});
