import { describe, expect, it } from "vitest";
import { createLogger, type LoggerOptions } from "./logger.js";

/** A logger writing into an array, one parsed JSON object per line. */
function memoryLogger(options: Partial<LoggerOptions> = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    level: "info",
    ...options,
    destination: {
      write(line: string) {
        lines.push(line);
      },
    },
  });
  const entries = () => lines.map((line): unknown => JSON.parse(line));
  return { logger, lines, entries };
}

const token = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";

describe("createLogger", () => {
  it("writes one JSON object per line with an ISO time and the service name", () => {
    const { logger, lines, entries } = memoryLogger({ base: { role: "worker" } });
    logger.info({ jobId: 42 }, "job queued");
    logger.debug("below the level");
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    expect(entries()[0]).toMatchObject({
      level: "info",
      service: "hangar",
      role: "worker",
      jobId: 42,
      msg: "job queued",
    });
    expect(lines[0]).toMatch(/"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/);
  });

  it("names the subsystem on child loggers", () => {
    const { logger, entries } = memoryLogger();
    logger.child({ subsystem: "intake" }).warn("slow delivery");
    expect(entries()[0]).toMatchObject({ subsystem: "intake", level: "warn" });
  });

  it.each([
    ["an authorization header", { headers: { authorization: `Bearer ${token}` } }],
    ["a request's headers", { req: { headers: { authorization: token, cookie: token } } }],
    ["a webhook signature", { headers: { "x-hub-signature-256": `sha256=${token}` } }],
    ["a JIT config", { jitConfig: token }],
    ["a JIT config from GitHub", { response: { encoded_jit_config: token } }],
    ["a private key", { github: { privateKey: token } }],
    ["a token three levels down", { a: { b: { c: { token } } } }],
  ])("redacts %s", (_name, fields) => {
    const { logger, lines } = memoryLogger();
    logger.info(fields, "request");
    expect(lines[0]).not.toContain(token);
    expect(lines[0]).toContain("[redacted]");
  });

  it("redacts fields bound to a child logger", () => {
    const { logger, lines } = memoryLogger();
    logger.child({ subsystem: "github", token }).info("minted");
    expect(lines[0]).not.toContain(token);
  });

  it("leaves ordinary fields alone", () => {
    const { logger, entries } = memoryLogger();
    logger.info({ headers: { "user-agent": "GitHub-Hookshot/1" }, tokens: 3 }, "ok");
    expect(entries()[0]).toMatchObject({
      headers: { "user-agent": "GitHub-Hookshot/1" },
      tokens: 3,
    });
  });
});

describe("secret scrubbing", () => {
  const webhookSecret = "whsec-0123456789abcdef";
  const pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n-----END PRIVATE KEY-----";

  it("removes known secret values from messages, fields and stacks", () => {
    const { logger, lines, entries } = memoryLogger({ secrets: () => [webhookSecret, pem] });
    logger.info(`verifying with ${webhookSecret}`);
    logger.info({ note: `key is ${pem}` }, "loaded");
    logger.error(new Error(`bad secret ${webhookSecret}`), "failed");
    for (const line of lines) {
      expect(line).not.toContain(webhookSecret);
      expect(line).not.toContain("MIIEvQIBADANBgkqhkiG9w0B");
    }
    expect(entries()[0]).toMatchObject({ msg: "verifying with [redacted]" });
  });

  it("follows the secret list as it changes (rotation)", () => {
    let current = ["first-secret-value"];
    const { logger, lines } = memoryLogger({ secrets: () => current });
    logger.info("first-secret-value second-secret-value");
    current = ["second-secret-value"];
    logger.info("first-secret-value second-secret-value");
    expect(lines[0]).toContain("[redacted] second-secret-value");
    expect(lines[1]).toContain("first-secret-value [redacted]");
  });

  it.each([
    ["an installation token", "ghs_16C7e42F292c6912E7710c838347Ae178B4a"],
    ["an API token", "hgr_0123456789abcdefghijABCDEFGHIJ-_0123456"],
    [
      "a JWT",
      "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiIxMjM0NSIsImV4cCI6MTcwMDAwMDAwMH0.c2lnbmF0dXJl",
    ],
  ])("removes %s by its shape, with no secrets configured", (_name, credential) => {
    const { logger, lines } = memoryLogger();
    logger.info({ note: `sent Bearer ${credential}` }, `request failed: ${credential}`);
    expect(lines[0]).not.toContain(credential);
    expect(lines[0]).toContain("Bearer [redacted]");
  });

  it("ignores values too short to scrub safely", () => {
    const { logger, entries } = memoryLogger({ secrets: () => ["info"] });
    logger.info("info stays");
    expect(entries()[0]).toMatchObject({ level: "info", msg: "info stays" });
  });

  it("writes lines untouched when there are no secrets", () => {
    const { logger, entries } = memoryLogger({ secrets: () => [] });
    logger.info("plain");
    expect(entries()[0]).toMatchObject({ msg: "plain" });
  });
});

describe("pretty output", () => {
  it("prints one readable line, still redacted and scrubbed", () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: "info",
      pretty: true,
      secrets: () => ["scrub-me-please"],
      destination: {
        write(line: string) {
          lines.push(line);
        },
      },
    });
    logger.child({ subsystem: "intake" }).info({ jitConfig: "abc", n: 1 }, "got scrub-me-please");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}intake: got \[redacted\] \{"jitConfig":"\[redacted\]","n":1\}\n$/,
    );
  });
});
