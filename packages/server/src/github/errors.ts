import { RequestError } from "@octokit/request-error";
import { rateLimitWaitMs } from "./rate-limit/headers.js";

// Every failure a caller of the GitHub client sees is one of these classes.
// `retryable` tells a Temporal activity whether trying again later can help
// (rate limits, 5xx, a busy runner) or cannot (not found, bad credentials,
// invalid input) — so it can fail fast instead of burning retries.

interface GitHubErrorOptions {
  /** HTTP status, when GitHub answered at all. */
  readonly status?: number;
  /** GitHub's `x-github-request-id`, for support tickets. */
  readonly requestId?: string;
  readonly cause?: unknown;
}

export abstract class GitHubError extends Error {
  abstract readonly retryable: boolean;
  readonly status: number | undefined;
  readonly requestId: string | undefined;

  constructor(message: string, options: GitHubErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.status = options.status;
    this.requestId = options.requestId;
  }
}

export class GitHubNotFoundError extends GitHubError {
  readonly retryable = false;
}

export class GitHubRateLimitedError extends GitHubError {
  readonly retryable = true;
  readonly retryAt: Date;

  constructor(message: string, retryAt: Date, options: GitHubErrorOptions = {}) {
    super(`${message} (retry at ${retryAt.toISOString()})`, options);
    this.retryAt = retryAt;
  }
}

/** The runner is running a job; GitHub keeps lost runners busy for 10–15 minutes. */
export class GitHubRunnerBusyError extends GitHubError {
  readonly retryable = true;
  readonly runnerId: number;

  constructor(message: string, runnerId: number, options: GitHubErrorOptions = {}) {
    super(message, options);
    this.runnerId = runnerId;
  }
}

/**
 * 409. Retryable because Hangar's conflicts are races (a runner name taken
 * between our list and our create) that a later attempt resolves.
 */
export class GitHubConflictError extends GitHubError {
  readonly retryable = true;
}

/** 401/403 that waiting does not fix: bad credentials, suspended installation, missing permission. */
export class GitHubAuthError extends GitHubError {
  readonly retryable = false;
}

/** 400/422 and other 4xx: the request itself is wrong, so repeating it is too. */
export class GitHubValidationError extends GitHubError {
  readonly retryable = false;
}

/** 5xx, timeouts and network failures. */
export class GitHubUnavailableError extends GitHubError {
  readonly retryable = true;
}

export interface RequestContext {
  /** `METHOD /route/{template}`, never the expanded URL with its query string. */
  readonly endpoint: string;
  readonly nowMs: number;
  readonly rateLimitFallbackMs: number;
}

/**
 * The one place Octokit's errors become Hangar's. Anything that is neither a
 * RequestError nor a GitHubError (a bug in our code) passes through untouched.
 */
export function toGitHubError(error: unknown, context: RequestContext): unknown {
  if (error instanceof GitHubError || !(error instanceof RequestError)) return error;
  const headers = error.response?.headers ?? {};
  const options: GitHubErrorOptions = {
    status: error.status,
    requestId: headers["x-github-request-id"],
    cause: error,
  };
  const message = `${context.endpoint}: ${String(error.status)} ${githubMessage(error)}`;
  if (error.response === undefined) return new GitHubUnavailableError(message, options);

  const waitMs = rateLimitWaitMs(
    error.status,
    headers,
    githubMessage(error),
    context.nowMs,
    context.rateLimitFallbackMs,
  );
  if (waitMs !== undefined) {
    return new GitHubRateLimitedError(message, new Date(context.nowMs + waitMs), options);
  }
  const status = error.status;
  if (status === 401 || status === 403) return new GitHubAuthError(message, options);
  if (status === 404 || status === 410) return new GitHubNotFoundError(message, options);
  if (status === 409) return new GitHubConflictError(message, options);
  if (status >= 500 || status === 408) return new GitHubUnavailableError(message, options);
  return new GitHubValidationError(message, options);
}

/** GitHub's own `message` field, without Octokit's appended documentation URL. */
export function githubMessage(error: RequestError): string {
  const data: unknown = error.response?.data;
  if (typeof data === "object" && data !== null && "message" in data) {
    const text = data.message;
    if (typeof text === "string") return text;
  }
  return error.message;
}
