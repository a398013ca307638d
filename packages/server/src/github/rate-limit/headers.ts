// Reading GitHub's rate-limit signals from a response. Shared by the request
// pipeline (how long to wait) and errors.ts (when to say "retry at").

export type ResponseHeaders = Readonly<Record<string, string | number | undefined>>;

export interface RateLimitHeaders {
  readonly limit: number;
  readonly remaining: number;
  /** Epoch milliseconds. */
  readonly resetAt: number;
  readonly resource: string;
}

function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return value === undefined ? undefined : String(value);
}

function integer(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

/** The `x-ratelimit-*` quartet, or undefined when a response lacks it (e.g. 5xx from a proxy). */
export function parseRateLimitHeaders(headers: ResponseHeaders): RateLimitHeaders | undefined {
  const limit = integer(header(headers, "x-ratelimit-limit"));
  const remaining = integer(header(headers, "x-ratelimit-remaining"));
  const reset = integer(header(headers, "x-ratelimit-reset"));
  if (limit === undefined || remaining === undefined || reset === undefined) return undefined;
  const resource = header(headers, "x-ratelimit-resource") ?? "core";
  return { limit, remaining, resetAt: reset * 1000, resource };
}

/**
 * How long GitHub asks us to wait after this error response, or undefined
 * when the response is not a rate limit at all (a 403 can also mean "no
 * permission", which waiting does not fix). Following GitHub's guidance:
 * `retry-after` if given; else the primary reset when nothing remains; else
 * the fallback (at least a minute).
 */
export function rateLimitWaitMs(
  status: number,
  headers: ResponseHeaders,
  message: string,
  nowMs: number,
  fallbackMs: number,
): number | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = integer(header(headers, "retry-after"));
  const limits = parseRateLimitHeaders(headers);
  const exhausted = limits?.remaining === 0;
  const saysRateLimit = /rate limit/i.test(message);
  if (status === 403 && retryAfter === undefined && !exhausted && !saysRateLimit) return undefined;
  if (retryAfter !== undefined) return retryAfter * 1000;
  if (exhausted) return Math.max(0, limits.resetAt - nowMs);
  return fallbackMs;
}
