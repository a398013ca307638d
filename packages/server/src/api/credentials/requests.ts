import { z } from "zod";
import type { RegistryCredentialSecret } from "../../crypto/registry-credentials.js";
import { pageSize, required, uuid } from "../validation.js";

// What each RegistryCredentialService request may contain. Messages about the secret
// fields never quote them: they are secrets.

const registryHost = z
  .string()
  .min(1, "is required")
  .max(253, "must be at most 253 characters")
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$/,
    "must be a registry host name, e.g. us-docker.pkg.dev",
  );

const name = z
  .string()
  .min(1, "is required")
  .max(100, "must be at most 100 characters")
  .regex(/^[^\p{Cc}]*$/u, "must not contain control characters");

const secretText = (max: number) =>
  z.string().min(1, "is required").max(max, `must be at most ${max} characters`);

const gcp = z.object({ serviceAccountKeyJson: secretText(16_384) });
const aws = z.object({
  accessKeyId: secretText(128),
  secretAccessKey: secretText(256),
  region: z.string().max(32, "must be at most 32 characters"),
});
const basic = z.object({ username: secretText(256), password: secretText(4096) });

/** The oneof `secret` as the three optional fields the .proto names. */
export function secretFields(secret: { case: string | undefined; value?: unknown }) {
  switch (secret.case) {
    case "gcp":
      return { gcp: secret.value };
    case "aws":
      return { aws: secret.value };
    case "basic":
      return { basic: secret.value };
    case undefined:
    default:
      return {};
  }
}

const secretShape = {
  gcp: gcp.optional(),
  aws: aws.optional(),
  basic: basic.optional(),
};

type SecretInput = {
  gcp?: z.output<typeof gcp>;
  aws?: z.output<typeof aws>;
  basic?: z.output<typeof basic>;
};

const oneSecret = (request: SecretInput) =>
  [request.gcp, request.aws, request.basic].filter((value) => value !== undefined).length === 1;

/** The secret in crypto/'s form (which validates its content when sealing). */
export function toSecret(request: SecretInput): RegistryCredentialSecret {
  if (request.gcp !== undefined) {
    return { kind: "gcp", serviceAccountKey: request.gcp.serviceAccountKeyJson };
  }
  if (request.aws !== undefined) {
    const { accessKeyId, secretAccessKey, region } = request.aws;
    return {
      kind: "aws",
      accessKeyId,
      secretAccessKey,
      ...(region === "" ? {} : { region }),
    };
  }
  if (request.basic !== undefined) {
    return { kind: "basic", username: request.basic.username, password: request.basic.password };
  }
  throw new Error("no secret: the request schema requires one");
}

export const createCredentialRequest = z
  .object({ workspaceId: required(uuid), name, registryHost, ...secretShape })
  .refine(oneSecret, { path: ["secret"], error: "one of gcp, aws and basic is required" });

export const rotateCredentialRequest = z
  .object({ id: required(uuid), ...secretShape })
  .refine(oneSecret, { path: ["secret"], error: "one of gcp, aws and basic is required" });

export const listCredentialsRequest = z.object({
  workspaceId: required(uuid),
  pageSize,
  pageToken: z.string(),
});

export const credentialIdRequest = z.object({ id: required(uuid) });
