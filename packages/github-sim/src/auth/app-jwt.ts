import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { compactVerify, errors as joseErrors } from "jose";
import { GitHubHttpError } from "../http-error.js";

export interface AppKeys {
  privateKeyPem: string;
  publicKeyPem: string;
  publicKey: KeyObject;
}

/** A fresh RSA key pair per simulator, as GitHub issues per App. */
export function generateAppKeys(): AppKeys {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    publicKey,
  };
}

export interface JwtCheck {
  publicKey: KeyObject;
  appId: number;
  clientId: string;
  nowMs: number;
}

// GitHub's own wording, so clients that log the message see what production says.
const MESSAGES = {
  undecodable: "A JSON web token could not be decoded",
  expired:
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
  tooFar: "'Expiration time' claim ('exp') is too far in the future",
  iat: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
  iss: "'Issuer' claim ('iss') must be an Integer or the App's client ID",
} as const;

const unauthorized = (message: string): GitHubHttpError => new GitHubHttpError(401, message);

/**
 * Verifies an App JWT the way GitHub does: RS256 over the App's public key,
 * `iss` naming this App, `exp` at most ten minutes after `iat`, not expired and
 * `iat` not more than a minute ahead — all against the simulator's clock, so a
 * ManualClock can expire a JWT without waiting.
 */
export async function verifyAppJwt(jwt: string, check: JwtCheck): Promise<void> {
  let payloadBytes: Uint8Array;
  try {
    const verified = await compactVerify(jwt, check.publicKey, { algorithms: ["RS256"] });
    payloadBytes = verified.payload;
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) throw unauthorized(MESSAGES.undecodable);
    throw error;
  }
  let claims: unknown;
  try {
    claims = JSON.parse(new TextDecoder().decode(payloadBytes));
  } catch {
    throw unauthorized(MESSAGES.undecodable);
  }
  if (typeof claims !== "object" || claims === null) throw unauthorized(MESSAGES.undecodable);
  const { iat, exp, iss } = claims as Record<string, unknown>;
  const now = Math.floor(check.nowMs / 1000);
  if (typeof iat !== "number" || !Number.isInteger(iat) || iat > now + 60) {
    throw unauthorized(MESSAGES.iat);
  }
  if (typeof exp !== "number" || exp <= now) throw unauthorized(MESSAGES.expired);
  if (exp - iat > 600) throw unauthorized(MESSAGES.tooFar);
  const issuerMatches =
    (typeof iss === "number" && iss === check.appId) ||
    (typeof iss === "string" && (iss === String(check.appId) || iss === check.clientId));
  if (!issuerMatches) throw unauthorized(MESSAGES.iss);
}
