// Shared by the config tests only: environments that load, and a way to get
// at the ConfigError an environment produces.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { ConfigError, loadConfig } from "./load.js";

export const { privateKey: testPrivateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

/** A complete GitHub App configuration. */
export const appEnv = {
  HANGAR_GITHUB_APP_ID: "123456",
  HANGAR_GITHUB_PRIVATE_KEY: testPrivateKey,
  HANGAR_GITHUB_WEBHOOK_SECRET: "webhook-secret-for-tests",
};

/** The least a non-dev role needs. */
export const productionEnv = {
  HANGAR_ROLE: "worker",
  HANGAR_DATABASE_URL: "postgres://hangar:db-password-42@db.internal:5432/hangar",
  HANGAR_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  ...appEnv,
};

/** The ConfigError loadConfig throws for `env`; throws if it does not throw one. */
export function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

export function variablesOf(error: ConfigError): string[] {
  return error.issues.map((issue) => issue.variable).sort();
}
