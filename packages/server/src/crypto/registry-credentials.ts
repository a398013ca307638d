import { z } from "zod";
import type { SecretCipher } from "./envelope.js";
import { Plaintext } from "./plaintext.js";

// What a container-registry credential's encrypted_secret holds, and how it is
// sealed to its row. The context names the workspace and the credential, so a
// ciphertext copied into another row (or another tenant's) does not open.

export type RegistryCredentialKind = "gcp" | "aws" | "basic";

export type RegistryCredentialSecret =
  | { kind: "basic"; username: string; password: string }
  /** The service account's JSON key file, as downloaded. */
  | { kind: "gcp"; serviceAccountKey: string }
  /** An IAM access key allowed ecr:GetAuthorizationToken; region defaults to the registry host's. */
  | { kind: "aws"; accessKeyId: string; secretAccessKey: string; region?: string };

// Messages never quote input: the input is a secret.
const basic = z.object({
  kind: z.literal("basic"),
  // Docker splits `auth` at the first colon, so a colon cannot be part of the username.
  username: z
    .string()
    .min(1)
    .regex(/^[^:]*$/, "must not contain ':'"),
  password: z.string().min(1),
});

const serviceAccountKey = z.string().superRefine((value, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    ctx.addIssue({ code: "custom", message: "must be a service account JSON key" });
    return;
  }
  const key = z
    .object({
      type: z.literal("service_account"),
      client_email: z.string().min(1),
      private_key: z.string().min(1),
    })
    .safeParse(parsed);
  if (!key.success) {
    ctx.addIssue({
      code: "custom",
      message: "must be a service account JSON key (type, client_email, private_key)",
    });
  }
});

const gcp = z.object({ kind: z.literal("gcp"), serviceAccountKey });

const aws = z.object({
  kind: z.literal("aws"),
  accessKeyId: z.string().regex(/^[A-Z0-9]{16,128}$/, "must be an AWS access key id"),
  secretAccessKey: z.string().min(1),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must be an AWS region")
    .optional(),
});

const secretSchema = z.discriminatedUnion("kind", [basic, gcp, aws]);

export class RegistryCredentialFormatError extends Error {
  override name = "RegistryCredentialFormatError";
}

export function registryCredentialContext(ids: { workspaceId: string; credentialId: string }) {
  return `registry-credential/${ids.workspaceId}/${ids.credentialId}`;
}

/**
 * Validates a credential as given to the API and seals it to its row. The
 * caller chooses the row's id (crypto.randomUUID()) before inserting, because
 * the id is part of what the ciphertext is bound to.
 */
export function sealRegistryCredential(
  cipher: SecretCipher,
  ids: { workspaceId: string; credentialId: string },
  secret: RegistryCredentialSecret,
): { encrypted_secret: Buffer; encryption_key_id: string } {
  const parsed = secretSchema.safeParse(secret);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new RegistryCredentialFormatError(
      `invalid ${secret.kind} credential (${fields.join("; ")})`,
    );
  }
  const sealed = cipher.seal(
    Buffer.from(JSON.stringify(parsed.data), "utf8"),
    registryCredentialContext(ids),
  );
  return { encrypted_secret: sealed.ciphertext, encryption_key_id: sealed.keyId };
}

export interface StoredRegistryCredential {
  id: string;
  workspace_id: string;
  kind: RegistryCredentialKind;
  encrypted_secret: Buffer;
  encryption_key_id: string;
}

/** Decrypts a row's secret; its kind must match the row's. */
export function openRegistryCredential(
  cipher: SecretCipher,
  row: StoredRegistryCredential,
): Plaintext<RegistryCredentialSecret> {
  const plaintext = cipher.open(
    { ciphertext: row.encrypted_secret, keyId: row.encryption_key_id },
    registryCredentialContext({ workspaceId: row.workspace_id, credentialId: row.id }),
  );
  let value: unknown;
  try {
    value = JSON.parse(plaintext.toString("utf8"));
  } catch {
    value = undefined;
  } finally {
    plaintext.fill(0);
  }
  const parsed = secretSchema.safeParse(value);
  if (!parsed.success || parsed.data.kind !== row.kind) {
    throw new RegistryCredentialFormatError(
      `registry credential ${row.id}: the stored secret is not a valid ${row.kind} credential`,
    );
  }
  return new Plaintext(parsed.data);
}

/** The row's secret wrapped under the current key, or null when it already is. */
export function rewrapRegistryCredential(
  cipher: SecretCipher,
  row: StoredRegistryCredential,
): { encrypted_secret: Buffer; encryption_key_id: string } | null {
  const sealed = cipher.rewrap(
    { ciphertext: row.encrypted_secret, keyId: row.encryption_key_id },
    registryCredentialContext({ workspaceId: row.workspace_id, credentialId: row.id }),
  );
  return sealed === null
    ? null
    : { encrypted_secret: sealed.ciphertext, encryption_key_id: sealed.keyId };
}
