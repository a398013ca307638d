import type { RegistryCredentialSecret } from "../crypto/registry-credentials.js";
import type { RegistryLogin } from "./builders/pull-secret.js";
import { ecrRegion, RegistryLoginError, type EcrLoginSource } from "./ecr.js";

// From a stored registry credential to the username and password a kubelet
// presents when pulling: as given for plain registries, Google's documented
// `_json_key` login for Artifact Registry, and a fresh token for ECR.

export const GCP_JSON_KEY_USERNAME = "_json_key";

export async function registryLogin(
  secret: RegistryCredentialSecret,
  registryHost: string,
  deps: { ecr: EcrLoginSource; now: Date },
): Promise<RegistryLogin> {
  switch (secret.kind) {
    case "basic":
      return {
        username: secret.username,
        password: secret.password,
        issuedAt: deps.now,
        expiresAt: null,
      };
    case "gcp":
      return {
        username: GCP_JSON_KEY_USERNAME,
        password: secret.serviceAccountKey,
        issuedAt: deps.now,
        expiresAt: null,
      };
    case "aws": {
      const region = secret.region ?? ecrRegion(registryHost);
      if (region === null) {
        throw new RegistryLoginError(
          `${registryHost} is not an ECR registry host and the credential names no region`,
        );
      }
      return deps.ecr.login({
        accessKeyId: secret.accessKeyId,
        secretAccessKey: secret.secretAccessKey,
        region,
      });
    }
    default: {
      const unknown: never = secret;
      throw new RegistryLoginError(`unknown credential kind ${String(unknown)}`);
    }
  }
}
