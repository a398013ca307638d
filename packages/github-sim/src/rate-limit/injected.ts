import { DOCS, GitHubHttpError, SECONDARY_LIMIT_MESSAGE } from "../http-error.js";

export interface FailNextInput {
  method?: string;
  /** A regular expression matched against the request path (without the query). */
  pathPattern?: string;
  status: 403 | 429 | 500 | 502;
  retryAfterSeconds?: number;
  secondary?: boolean;
  count?: number;
}

interface PendingFailure {
  method: string | undefined;
  pattern: RegExp | undefined;
  input: FailNextInput;
  remaining: number;
}

/** GitHub-shaped errors a test asked for, served to the next matching requests. */
export class FailureInjector {
  private readonly pending: PendingFailure[] = [];

  add(input: FailNextInput): void {
    this.pending.push({
      method: input.method?.toUpperCase(),
      pattern: input.pathPattern === undefined ? undefined : new RegExp(input.pathPattern),
      input,
      remaining: input.count ?? 1,
    });
  }

  /** The error for this request, if one is due; consumes one use of it. */
  take(
    method: string,
    path: string,
    installationId: number | undefined,
    nowMs: number,
  ): GitHubHttpError | undefined {
    const index = this.pending.findIndex(
      (p) =>
        (p.method === undefined || p.method === method.toUpperCase()) &&
        (p.pattern === undefined || p.pattern.test(path)),
    );
    const failure = this.pending[index];
    if (!failure) return undefined;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.pending.splice(index, 1);
    return toError(failure.input, installationId, nowMs);
  }
}

function toError(
  input: FailNextInput,
  installationId: number | undefined,
  nowMs: number,
): GitHubHttpError {
  const retry: Record<string, string> =
    input.retryAfterSeconds === undefined ? {} : { "retry-after": String(input.retryAfterSeconds) };
  if (input.status === 500 || input.status === 502) {
    return new GitHubHttpError(
      input.status,
      input.status === 500 ? "Server Error" : "Bad Gateway",
      retry,
    );
  }
  if (input.secondary) {
    return new GitHubHttpError(input.status, SECONDARY_LIMIT_MESSAGE, {
      "retry-after": String(input.retryAfterSeconds ?? 60),
    });
  }
  const who = installationId === undefined ? "this App" : `installation ID ${installationId}`;
  return new GitHubHttpError(
    input.status,
    `API rate limit exceeded for ${who}. If you reach out to GitHub Support for help, please include the request ID. See ${DOCS}.`,
    {
      ...retry,
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(Math.ceil(nowMs / 1000) + (input.retryAfterSeconds ?? 60)),
    },
  );
}
