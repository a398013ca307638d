import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { scrub } from "../crypto/plaintext.js";
import type { RegistryLogin } from "./builders/pull-secret.js";

// Amazon ECR accepts no long-lived password: an IAM access key is exchanged
// for a token valid for 12 hours, which is what the pull Secret holds (and
// why ECR pull Secrets are refreshed on a schedule).

export interface EcrKey {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

export interface EcrLoginSource {
  login(key: EcrKey): Promise<RegistryLogin>;
}

export class RegistryLoginError extends Error {
  override name = "RegistryLoginError";
}

// 123456789012.dkr.ecr.eu-west-1.amazonaws.com, the FIPS variant, and China's .com.cn.
const ecrHost = /^\d{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The AWS region of an ECR registry host, or null for any other host. */
export function ecrRegion(registryHost: string): string | null {
  return ecrHost.exec(registryHost)?.[1] ?? null;
}

export function createEcrLoginSource(
  options: {
    /** Another ECR API endpoint (a VPC endpoint, or a fake in tests). */
    endpoint?: string;
    now?: () => Date;
  } = {},
): EcrLoginSource {
  const now = options.now ?? (() => new Date());
  return {
    async login(key) {
      const client = new ECRClient({
        region: key.region,
        ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
        maxAttempts: 3,
      });
      const issuedAt = now();
      try {
        const output = await client.send(new GetAuthorizationTokenCommand({}));
        const data = output.authorizationData?.[0];
        const decoded = Buffer.from(data?.authorizationToken ?? "", "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        if (data?.expiresAt === undefined || colon <= 0) {
          throw new RegistryLoginError("ECR answered without a usable authorization token");
        }
        return {
          username: decoded.slice(0, colon),
          password: decoded.slice(colon + 1),
          issuedAt,
          expiresAt: data.expiresAt,
        };
      } catch (error) {
        if (error instanceof RegistryLoginError) throw error;
        throw new RegistryLoginError(describe(error, [key.accessKeyId, key.secretAccessKey]));
      } finally {
        client.destroy();
      }
    },
  };
}

/** The SDK's error name, status and message, with the key scrubbed out in case AWS echoes it. */
function describe(error: unknown, secrets: string[]): string {
  if (!(error instanceof Error)) return "ECR GetAuthorizationToken failed";
  const status =
    "$metadata" in error &&
    typeof error.$metadata === "object" &&
    error.$metadata !== null &&
    "httpStatusCode" in error.$metadata &&
    typeof error.$metadata.httpStatusCode === "number"
      ? ` (HTTP ${error.$metadata.httpStatusCode})`
      : "";
  return scrub(
    `ECR GetAuthorizationToken failed: ${error.name}${status}: ${error.message}`,
    secrets,
  );
}
