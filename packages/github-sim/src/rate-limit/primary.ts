import { GitHubHttpError } from "../http-error.js";

export interface PrimaryWindow {
  limit: number;
  used: number;
  resetAtMs: number;
}

const HOUR_MS = 3_600_000;

/**
 * GitHub's primary limit: a budget of requests per hour per installation (and
 * one for the App's JWT). The window opens at the first request and resets an
 * hour later, which is how `x-ratelimit-reset` behaves on GitHub.
 */
export class PrimaryLimiter {
  private readonly windows = new Map<string, PrimaryWindow>();

  constructor(private readonly limit: number) {}

  /** The current window for `key`, without consuming anything. */
  peek(key: string, nowMs: number): PrimaryWindow {
    const current = this.windows.get(key);
    if (current && current.resetAtMs > nowMs) return current;
    const fresh = { limit: this.limit, used: 0, resetAtMs: nowMs + HOUR_MS };
    this.windows.set(key, fresh);
    return fresh;
  }

  /** Consumes one request or throws GitHub's 403 once the budget is spent. */
  consume(key: string, nowMs: number, installationId: number | undefined): PrimaryWindow {
    const window = this.peek(key, nowMs);
    if (window.used >= window.limit) {
      const who = installationId === undefined ? "this App" : `installation ID ${installationId}`;
      throw new GitHubHttpError(403, `API rate limit exceeded for ${who}.`, {
        ...rateLimitHeaders(window),
      });
    }
    window.used += 1;
    return window;
  }
}

export function rateLimitHeaders(window: PrimaryWindow): Record<string, string> {
  return {
    "x-ratelimit-limit": String(window.limit),
    "x-ratelimit-remaining": String(Math.max(0, window.limit - window.used)),
    "x-ratelimit-reset": String(Math.ceil(window.resetAtMs / 1000)),
    "x-ratelimit-used": String(window.used),
    "x-ratelimit-resource": "core",
  };
}
