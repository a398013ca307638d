import type { RequestError } from "@octokit/request-error";
import { GitHubRateLimitedError, githubMessage, toGitHubError } from "./errors.js";
import { rateLimitWaitMs } from "./rate-limit/headers.js";
import type { GitHubLimits } from "./types.js";

// What to do after GitHub answered a request with an error. Pure, so the
// request hook stays a loop and each rule here reads on its own.

export type RetryDecision =
  /** An expired or revoked credential GitHub refused though we thought it valid: once. */
  | { readonly kind: "refresh-credentials" }
  /** A rate limit: hold back this quota until `untilMs`, then try again. */
  | { readonly kind: "wait-rate-limit"; readonly untilMs: number }
  /** GitHub is unavailable; an idempotent request may try again after `delayMs`. */
  | { readonly kind: "back-off"; readonly delayMs: number }
  | { readonly kind: "fail"; readonly error: unknown };

export interface Attempts {
  refreshedCredentials: boolean;
  rateLimitRetries: number;
  serverErrorRetries: number;
}

/** A repeated POST or PATCH could create twice; everything else may be sent again. */
const NON_IDEMPOTENT = new Set(["POST", "PATCH"]);

export function decideRetry(
  error: RequestError,
  request: {
    readonly method: string;
    readonly endpoint: string;
    readonly nowMs: number;
    readonly attempts: Readonly<Attempts>;
    readonly limits: GitHubLimits;
    readonly maxRateLimitWaitMs: number;
  },
): RetryDecision {
  const { attempts, limits, nowMs } = request;
  const status = error.status;
  const headers = error.response?.headers ?? {};

  if (status === 401 && !attempts.refreshedCredentials) return { kind: "refresh-credentials" };

  const waitMs =
    error.response === undefined
      ? undefined
      : rateLimitWaitMs(
          status,
          headers,
          githubMessage(error),
          nowMs,
          limits.rateLimitFallbackWaitMs,
        );
  if (waitMs !== undefined) {
    // GitHub's wait on the first retry, doubled on each further one.
    const delay = waitMs * 2 ** attempts.rateLimitRetries;
    const untilMs = nowMs + delay;
    if (
      attempts.rateLimitRetries < limits.rateLimitRetries &&
      delay <= request.maxRateLimitWaitMs
    ) {
      return { kind: "wait-rate-limit", untilMs };
    }
    const message = `${request.endpoint}: ${status} ${githubMessage(error)}`;
    return {
      kind: "fail",
      error: new GitHubRateLimitedError(message, new Date(untilMs), {
        status,
        requestId: headers["x-github-request-id"],
        cause: error,
      }),
    };
  }

  const unavailable = error.response === undefined || status >= 500;
  if (
    unavailable &&
    !NON_IDEMPOTENT.has(request.method) &&
    attempts.serverErrorRetries < limits.serverErrorRetries
  ) {
    return {
      kind: "back-off",
      delayMs: limits.serverErrorBackoffMs * 2 ** attempts.serverErrorRetries,
    };
  }
  return {
    kind: "fail",
    error: toGitHubError(error, {
      endpoint: request.endpoint,
      nowMs,
      rateLimitFallbackMs: limits.rateLimitFallbackWaitMs,
    }),
  };
}
