import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "./load.js";
import { Secret, secretValues } from "./secret.js";
import {
  appEnv as app,
  configError,
  productionEnv as production,
  testPrivateKey as privateKey,
  variablesOf,
} from "./testing.js";

const tempDir = mkdtempSync(join(tmpdir(), "hangar-config-"));
afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});
function tempFile(name: string, content: string): string {
  const path = join(tempDir, name);
  writeFileSync(path, content);
  return path;
}

describe("secrets from files", () => {
  it("reads NAME_FILE, dropping one trailing newline", () => {
    const config = loadConfig({
      HANGAR_ROLE: "worker",
      HANGAR_DATABASE_URL_FILE: tempFile("db", `${production.HANGAR_DATABASE_URL}\n`),
      HANGAR_ENCRYPTION_KEY_FILE: tempFile("key", `${production.HANGAR_ENCRYPTION_KEY}\r\n`),
      HANGAR_GITHUB_APP_ID: app.HANGAR_GITHUB_APP_ID,
      HANGAR_GITHUB_PRIVATE_KEY_FILE: tempFile("pem", privateKey),
      HANGAR_GITHUB_WEBHOOK_SECRET_FILE: tempFile("webhook", "with trailing space \n\n"),
    });
    expect(config.database.url.reveal()).toBe(production.HANGAR_DATABASE_URL);
    expect(config.encryption.key.reveal()).toBe(production.HANGAR_ENCRYPTION_KEY);
    if (config.github.mode !== "app") throw new Error("expected app mode");
    expect(config.github.privateKey.reveal()).toBe(privateKey.replace(/\n$/, ""));
    expect(config.github.webhookSecret.reveal()).toBe("with trailing space \n");
  });

  it("refuses NAME and NAME_FILE together", () => {
    const error = configError({
      ...production,
      HANGAR_GITHUB_WEBHOOK_SECRET_FILE: tempFile("both", "other"),
    });
    expect(error.issues).toEqual([
      {
        variable: "HANGAR_GITHUB_WEBHOOK_SECRET",
        message:
          "set either HANGAR_GITHUB_WEBHOOK_SECRET or HANGAR_GITHUB_WEBHOOK_SECRET_FILE, not both",
      },
    ]);
  });

  it("reports a missing or empty file once, under the _FILE name", () => {
    const { HANGAR_DATABASE_URL: _url, HANGAR_ENCRYPTION_KEY: _key, ...rest } = production;
    const error = configError({
      ...rest,
      HANGAR_DATABASE_URL_FILE: join(tempDir, "does-not-exist"),
      HANGAR_ENCRYPTION_KEY_FILE: tempFile("empty", "\n"),
    });
    expect(variablesOf(error)).toEqual(["HANGAR_DATABASE_URL_FILE", "HANGAR_ENCRYPTION_KEY_FILE"]);
  });
});

describe("secrets never leak", () => {
  const secrets = {
    HANGAR_DATABASE_URL: "postgres://hangar:sup3r-s3cret-db@db/hangar",
    HANGAR_TEMPORAL_API_KEY: "temporal-api-key-value",
    HANGAR_GITHUB_WEBHOOK_SECRET_PREVIOUS: "previous-webhook-secret",
  };

  it("keeps them out of JSON, inspect and template strings", () => {
    const config = loadConfig({ ...production, ...secrets });
    const texts = [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      String(config.database.url),
    ];
    const values = [
      ...Object.values(secrets),
      "sup3r-s3cret-db",
      production.HANGAR_ENCRYPTION_KEY,
      privateKey,
      app.HANGAR_GITHUB_WEBHOOK_SECRET,
    ];
    for (const text of texts) for (const value of values) expect(text).not.toContain(value);
    expect(JSON.stringify(config.database)).toBe('{"url":"[redacted]","poolMax":10}');
  });

  it("keeps them out of ConfigError messages, even when misplaced or malformed", () => {
    const error = configError({
      HANGAR_ROLE: "worker",
      HANGAR_DATABASE_URL: "mysql://root:hunter2-is-secret@db/hangar",
      HANGAR_ENCRYPTION_KEY: "not-base64-secret-key!",
      HANGAR_GITHUB_APP_ID: "ghp_notanumbertoken",
      HANGAR_GITHUB_PRIVATE_KEY: "garbage-private-key-material",
      HANGAR_GITHUB_WEBHOOK_SECRET: "fine-webhook-secret",
      HANGAR_TEMPORAL_API_KEY: "temporal-key-in-clear",
      HANGAR_TEMPORAL_TLS: "false",
    });
    const text = `${error.message}\n${JSON.stringify(error.issues)}`;
    for (const value of [
      "hunter2-is-secret",
      "not-base64-secret-key!",
      "ghp_notanumbertoken",
      "garbage-private-key-material",
      "temporal-key-in-clear",
    ]) {
      expect(text).not.toContain(value);
    }
    expect(variablesOf(error)).toEqual([
      "HANGAR_DATABASE_URL",
      "HANGAR_ENCRYPTION_KEY",
      "HANGAR_GITHUB_APP_ID",
      "HANGAR_GITHUB_PRIVATE_KEY",
      "HANGAR_TEMPORAL_TLS",
    ]);
  });

  it("lists every secret value for the logger to scrub", () => {
    const config = loadConfig({ ...production, ...secrets });
    expect(new Set(secretValues(config))).toEqual(
      new Set([
        production.HANGAR_ENCRYPTION_KEY,
        privateKey,
        app.HANGAR_GITHUB_WEBHOOK_SECRET,
        ...Object.values(secrets),
      ]),
    );
    expect(String(new Secret("x"))).toBe("[redacted]");
  });
});
