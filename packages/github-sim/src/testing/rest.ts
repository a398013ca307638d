import { createPrivateKey } from "node:crypto";
import { SignJWT } from "jose";
import type { Simulator } from "../simulator.js";

// What tests need to talk to the simulator as an App would, without Octokit:
// a signed JWT, an installation token, and a small fetch wrapper.

export interface JwtTimes {
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
}

export async function appJwt(
  sim: Simulator,
  nowMs: number,
  options: { times?: Partial<JwtTimes>; privateKeyPem?: string; iss?: string | number } = {},
): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  const key = createPrivateKey(options.privateKeyPem ?? sim.app.privateKeyPem);
  return new SignJWT({})
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuer(String(options.iss ?? sim.app.id))
    .setIssuedAt(options.times?.iat ?? now - 60)
    .setExpirationTime(options.times?.exp ?? now + 540)
    .sign(key);
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function api(
  sim: Simulator,
  method: string,
  path: string,
  options: { token?: string; jwt?: string; body?: unknown } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { accept: "application/vnd.github+json" };
  if (options.token !== undefined) headers.authorization = `token ${options.token}`;
  if (options.jwt !== undefined) headers.authorization = `Bearer ${options.jwt}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? null : (JSON.parse(text) as unknown),
  };
}

export async function installationToken(
  sim: Simulator,
  installationId: number,
  nowMs: number,
): Promise<string> {
  const jwt = await appJwt(sim, nowMs);
  const res = await api(sim, "POST", `/app/installations/${installationId}/access_tokens`, { jwt });
  const body = res.body as { token?: unknown };
  if (res.status !== 201 || typeof body.token !== "string") {
    throw new Error(`token mint failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return body.token;
}
