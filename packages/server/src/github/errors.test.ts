import { RequestError } from "@octokit/request-error";
import { describe, expect, it } from "vitest";
import {
  GitHubAuthError,
  GitHubConflictError,
  GitHubNotFoundError,
  GitHubRateLimitedError,
  GitHubUnavailableError,
  GitHubValidationError,
  toGitHubError,
} from "./errors.js";

const NOW = Date.parse("2026-01-05T09:00:00Z");
const context = { endpoint: "GET /repos/{owner}/{repo}", nowMs: NOW, rateLimitFallbackMs: 60_000 };

function requestError(
  status: number,
  message: string,
  headers: Record<string, string> = {},
  withResponse = true,
): RequestError {
  return new RequestError(message, status, {
    request: {
      method: "GET",
      url: "https://api.github.com/repos/a/b",
      headers: { authorization: "token ghs_secret" },
    },
    ...(withResponse
      ? { response: { status, url: "", headers, data: { message, documentation_url: "x" } } }
      : {}),
  });
}

describe("toGitHubError", () => {
  it.each([
    [404, "Not Found", GitHubNotFoundError, false],
    [401, "Bad credentials", GitHubAuthError, false],
    [403, "This installation has been suspended", GitHubAuthError, false],
    [403, "Resource not accessible by integration", GitHubAuthError, false],
    [409, "Already exists", GitHubConflictError, true],
    [422, "Validation Failed", GitHubValidationError, false],
    [400, "Problems parsing JSON", GitHubValidationError, false],
    [500, "Server Error", GitHubUnavailableError, true],
    [502, "Bad Gateway", GitHubUnavailableError, true],
  ] as const)("maps %i %s", (status, message, type, retryable) => {
    const error = toGitHubError(requestError(status, message), context);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ retryable, status, name: type.name });
    expect(String(error)).toContain(context.endpoint);
    expect(String(error)).toContain(message);
  });

  it("maps a network failure (no response) to unavailable", () => {
    const error = toGitHubError(requestError(500, "fetch failed", {}, false), context);
    expect(error).toBeInstanceOf(GitHubUnavailableError);
    expect(error).toMatchObject({ retryable: true });
  });

  it.each([
    ["retry-after", 429, "Too many", { "retry-after": "30" }, NOW + 30_000],
    ["secondary 403", 403, "You have exceeded a secondary rate limit", {}, NOW + 60_000],
    [
      "exhausted primary",
      403,
      "API rate limit exceeded",
      {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-limit": "5000",
        "x-ratelimit-reset": String(NOW / 1000 + 600),
      },
      NOW + 600_000,
    ],
  ])("maps a %s to rate limited with retryAt", (_name, status, message, headers, retryAt) => {
    const error = toGitHubError(requestError(status, message, headers), context);
    expect(error).toBeInstanceOf(GitHubRateLimitedError);
    expect((error as GitHubRateLimitedError).retryAt.getTime()).toBe(retryAt);
    expect(error).toMatchObject({ retryable: true });
  });

  it("passes other errors through unchanged", () => {
    const bug = new TypeError("x is undefined");
    expect(toGitHubError(bug, context)).toBe(bug);
  });
});
