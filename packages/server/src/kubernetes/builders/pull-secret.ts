import type { V1Secret } from "@kubernetes/client-node";
import { ownershipLabels } from "../labels.js";

// An image pull Secret for one registry credential of a workspace. Named
// after the credential's id (stable, DNS-safe, unique), so runners refer to it
// by the credential they were configured with, and a deleted credential's
// Secret is found by its label and removed.

export const registryCredentialLabel = "hangar.dev/registry-credential-id";
/** When the credential row last changed; a newer row means the Secret is stale. */
export const credentialRevisionAnnotation = "hangar.dev/credential-revision";
export const issuedAtAnnotation = "hangar.dev/issued-at";
/** Only for short-lived logins (ECR); basic and GCP logins do not expire. */
export const expiresAtAnnotation = "hangar.dev/expires-at";

export function pullSecretName(credentialId: string): string {
  return `hangar-registry-${credentialId}`;
}

/** A login for one registry, as `docker login` would store it. */
export interface RegistryLogin {
  username: string;
  password: string;
  issuedAt: Date;
  expiresAt: Date | null;
}

export interface PullSecretInput {
  namespace: string;
  workspaceId: string;
  credentialId: string;
  /** e.g. us-docker.pkg.dev, 123456789012.dkr.ecr.eu-west-1.amazonaws.com */
  registryHost: string;
  revision: string;
  login: RegistryLogin;
}

export function buildPullSecret(input: PullSecretInput): V1Secret {
  const { username, password } = input.login;
  const config = {
    auths: {
      [input.registryHost]: {
        username,
        password,
        auth: Buffer.from(`${username}:${password}`, "utf8").toString("base64"),
      },
    },
  };
  const annotations: Record<string, string> = {
    [credentialRevisionAnnotation]: input.revision,
    [issuedAtAnnotation]: input.login.issuedAt.toISOString(),
  };
  if (input.login.expiresAt !== null) {
    annotations[expiresAtAnnotation] = input.login.expiresAt.toISOString();
  }
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/dockerconfigjson",
    metadata: {
      name: pullSecretName(input.credentialId),
      namespace: input.namespace,
      labels: {
        ...ownershipLabels(input.workspaceId, "tenancy"),
        [registryCredentialLabel]: input.credentialId,
      },
      annotations,
    },
    data: {
      ".dockerconfigjson": Buffer.from(JSON.stringify(config), "utf8").toString("base64"),
    },
  };
}

/**
 * When a pull Secret's login should be renewed: half-way through its lifetime,
 * so a refresh that runs every few hours always lands before expiry. Null for
 * logins that do not expire; the epoch for a Secret whose annotations cannot
 * be read, so a damaged one heals itself.
 */
export function pullSecretRefreshAt(secret: Pick<V1Secret, "metadata">): Date | null {
  const annotations = secret.metadata?.annotations ?? {};
  const expires = annotations[expiresAtAnnotation];
  if (expires === undefined) return null;
  const expiresAt = Date.parse(expires);
  const issuedAt = Date.parse(annotations[issuedAtAnnotation] ?? "");
  if (Number.isNaN(expiresAt) || Number.isNaN(issuedAt) || expiresAt <= issuedAt) {
    return new Date(0);
  }
  return new Date(issuedAt + (expiresAt - issuedAt) / 2);
}

/** Whether a pull Secret must be rebuilt: its credential changed, or its login is due for renewal. */
export function pullSecretRefreshDue(
  secret: Pick<V1Secret, "metadata">,
  current: { revision: string; now: Date },
): boolean {
  if (secret.metadata?.annotations?.[credentialRevisionAnnotation] !== current.revision)
    return true;
  const refreshAt = pullSecretRefreshAt(secret);
  return refreshAt !== null && current.now.getTime() >= refreshAt.getTime();
}
