import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { createSecretCipher } from "./envelope.js";
import { createKeyRing } from "./key-ring.js";
import {
  openRegistryCredential,
  RegistryCredentialFormatError,
  sealRegistryCredential,
  type RegistryCredentialSecret,
} from "./registry-credentials.js";

const cipher = createSecretCipher(
  createKeyRing({ id: "k1", key: randomBytes(32).toString("base64") }),
);
const ids = { workspaceId: "ws-1", credentialId: "cred-1" };
const row = (
  kind: RegistryCredentialSecret["kind"],
  sealed: ReturnType<typeof sealRegistryCredential>,
) => ({
  id: ids.credentialId,
  workspace_id: ids.workspaceId,
  kind,
  ...sealed,
});

const serviceAccountKey = JSON.stringify({
  type: "service_account",
  client_email: "puller@acme.iam.gserviceaccount.com",
  private_key: "-----BEGIN PRIVATE KEY-----\nMIIsecret\n-----END PRIVATE KEY-----\n",
});

describe("registry credential secrets", () => {
  it.each<RegistryCredentialSecret>([
    { kind: "basic", username: "robot", password: "p:a:s:s" },
    { kind: "gcp", serviceAccountKey },
    { kind: "aws", accessKeyId: "AKIAHANGARTEST000001", secretAccessKey: "wJalr/secret" },
    {
      kind: "aws",
      accessKeyId: "AKIAHANGARTEST000001",
      secretAccessKey: "wJalr/secret",
      region: "us-gov-west-1",
    },
  ])("round-trips a $kind credential, printable only as [redacted]", (secret) => {
    const sealed = sealRegistryCredential(cipher, ids, secret);
    expect(sealed.encryption_key_id).toBe("k1");
    const opened = openRegistryCredential(cipher, row(secret.kind, sealed));
    expect(opened.reveal()).toEqual(secret);
    expect(inspect(opened)).toBe("[redacted]");
    expect(JSON.stringify({ opened })).toBe('{"opened":"[redacted]"}');
  });

  it.each<[string, RegistryCredentialSecret, RegExp]>([
    [
      "a colon in a username",
      { kind: "basic", username: "ro:bot", password: "hunter2-x" },
      /username/,
    ],
    ["an empty password", { kind: "basic", username: "robot", password: "" }, /password/],
    [
      "a key that is not JSON",
      { kind: "gcp", serviceAccountKey: "hunter2-x{" },
      /serviceAccountKey/,
    ],
    [
      "JSON that is not a service account key",
      { kind: "gcp", serviceAccountKey: JSON.stringify({ type: "user", token: "hunter2-x" }) },
      /serviceAccountKey/,
    ],
    [
      "a malformed access key id",
      { kind: "aws", accessKeyId: "hunter2-x", secretAccessKey: "s" },
      /accessKeyId/,
    ],
  ])("refuses %s without repeating the input", (_what, secret, field) => {
    let thrown: unknown;
    try {
      sealRegistryCredential(cipher, ids, secret);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RegistryCredentialFormatError);
    expect(String(thrown)).toMatch(field);
    expect(String(thrown)).not.toContain("hunter2-x");
  });

  it("refuses a secret whose kind differs from its row's", () => {
    const sealed = sealRegistryCredential(cipher, ids, {
      kind: "basic",
      username: "robot",
      password: "hunter2-x",
    });
    expect(() => openRegistryCredential(cipher, row("gcp", sealed))).toThrow(
      /cred-1: the stored secret is not a valid gcp credential/,
    );
  });

  it("binds the ciphertext to its workspace and row", () => {
    const sealed = sealRegistryCredential(cipher, ids, {
      kind: "basic",
      username: "robot",
      password: "hunter2-x",
    });
    expect(() =>
      openRegistryCredential(cipher, { ...row("basic", sealed), workspace_id: "ws-2" }),
    ).toThrow(/cannot unwrap/);
    expect(() => openRegistryCredential(cipher, { ...row("basic", sealed), id: "cred-2" })).toThrow(
      /cannot unwrap/,
    );
  });
});
