import { RequestError } from "@octokit/request-error";
import { describe, expect, it } from "vitest";
import { defaultGitHubLimits } from "./app-client.js";
import { GitHubRateLimitedError, GitHubUnavailableError } from "./errors.js";
import { decideRetry, type Attempts } from "./retry-policy.js";

const NOW = Date.parse("2026-01-05T09:00:00Z");

function failure(status: number, message: string, headers: Record<string, string> = {}) {
  return new RequestError(message, status, {
    request: { method: "GET", url: "https://api.github.com/x", headers: {} },
    response: { status, url: "", headers, data: { message } },
  });
}

function decide(error: RequestError, attempts: Partial<Attempts> = {}, method = "GET") {
  return decideRetry(error, {
    method,
    endpoint: `${method} /x`,
    nowMs: NOW,
    attempts: {
      refreshedCredentials: false,
      rateLimitRetries: 0,
      serverErrorRetries: 0,
      ...attempts,
    },
    limits: defaultGitHubLimits,
    maxRateLimitWaitMs: defaultGitHubLimits.maxRateLimitWaitMs,
  });
}

describe("decideRetry", () => {
  it("refreshes credentials after a 401 once, then fails", () => {
    expect(decide(failure(401, "Bad credentials"))).toEqual({ kind: "refresh-credentials" });
    expect(decide(failure(401, "Bad credentials"), { refreshedCredentials: true })).toMatchObject({
      kind: "fail",
    });
  });

  it("waits at least a minute on a secondary limit without retry-after, doubling each time", () => {
    const secondary = failure(403, "You have exceeded a secondary rate limit");
    expect(decide(secondary)).toEqual({ kind: "wait-rate-limit", untilMs: NOW + 60_000 });
    expect(decide(secondary, { rateLimitRetries: 1 })).toEqual({
      kind: "wait-rate-limit",
      untilMs: NOW + 120_000,
    });
    // 240 s exceeds the 3-minute default: the caller gets the error and when to come back.
    const gaveUp = decide(secondary, { rateLimitRetries: 2 });
    expect(gaveUp.kind).toBe("fail");
    if (gaveUp.kind !== "fail") return;
    expect(gaveUp.error).toBeInstanceOf(GitHubRateLimitedError);
    expect((gaveUp.error as GitHubRateLimitedError).retryAt.getTime()).toBe(NOW + 240_000);
  });

  it("backs off on 5xx for reads and deletes, never for POST", () => {
    expect(decide(failure(502, "Bad Gateway"))).toEqual({ kind: "back-off", delayMs: 1_000 });
    expect(decide(failure(503, "Unavailable"), { serverErrorRetries: 1 }, "DELETE")).toEqual({
      kind: "back-off",
      delayMs: 2_000,
    });
    const post = decide(failure(502, "Bad Gateway"), {}, "POST");
    expect(post.kind === "fail" && post.error instanceof GitHubUnavailableError).toBe(true);
  });
});
