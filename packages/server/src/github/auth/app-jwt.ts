import { createPrivateKey, sign, type KeyObject } from "node:crypto";

// The App's JWT, signed here with node:crypto rather than by
// @octokit/auth-app / universal-github-app-jwt: those read Date.now() (and
// auth-app caches tokens on it too), while Hangar's clock is injected so that
// tests — and the simulator — can move time. Signing RS256 is twenty lines;
// owning it keeps every expiry decision on one clock.

/** GitHub rejects an `exp` more than 10 minutes ahead; stay a minute inside it. */
const LIFETIME_SECONDS = 9 * 60;
/** GitHub's advice: backdate `iat` a minute to absorb clock drift between us and GitHub. */
const BACKDATE_SECONDS = 60;
/** Sign a new JWT once the cached one has less than this left. */
const REUSE_MARGIN_SECONDS = 2 * 60;

export interface AppJwt {
  readonly token: string;
  /** Epoch seconds, as in the claims. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString("base64url");
}

export function createAppJwt(input: {
  appId: number;
  privateKey: KeyObject;
  nowMs: number;
}): AppJwt {
  const now = Math.floor(input.nowMs / 1000);
  const issuedAt = now - BACKDATE_SECONDS;
  const expiresAt = now + LIFETIME_SECONDS;
  const header = base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
  const claims = base64url(
    JSON.stringify({ iat: issuedAt, exp: expiresAt, iss: String(input.appId) }),
  );
  const signature = sign("sha256", Buffer.from(`${header}.${claims}`), input.privateKey);
  return { token: `${header}.${claims}.${base64url(signature)}`, issuedAt, expiresAt };
}

/**
 * Parses the key once, at construction, so a malformed key fails at start-up
 * rather than on the first webhook; PKCS#1 and PKCS#8 PEM both work, and
 * keys pasted into environment variables with literal `\n` are repaired.
 */
export function parsePrivateKey(pem: string): KeyObject {
  return createPrivateKey(pem.includes("\\n") ? pem.replace(/\\n/g, "\n") : pem);
}

export interface AppJwtSource {
  get(): string;
  /** Forget `token` after GitHub rejected it, so the next get() signs afresh. */
  invalidate(token: string): void;
}

/** Reuses one JWT for several minutes: signing costs ~1 ms of CPU per call otherwise. */
export function createAppJwtSource(options: {
  appId: number;
  privateKeyPem: string;
  now: () => number;
}): AppJwtSource {
  const privateKey = parsePrivateKey(options.privateKeyPem);
  let current: AppJwt | undefined;
  return {
    get() {
      const now = Math.floor(options.now() / 1000);
      // A clock that jumped backwards before `iat` would make GitHub see a JWT from the future.
      const usable =
        current !== undefined &&
        now >= current.issuedAt + BACKDATE_SECONDS &&
        now < current.expiresAt - REUSE_MARGIN_SECONDS;
      if (!usable || current === undefined) {
        current = createAppJwt({ appId: options.appId, privateKey, nowMs: options.now() });
      }
      return current.token;
    },
    invalidate(token) {
      if (current?.token === token) current = undefined;
    },
  };
}
