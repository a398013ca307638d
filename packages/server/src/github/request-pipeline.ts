import { Octokit } from "@octokit/core";
import { SpanKind, type Span } from "@opentelemetry/api";
import { paginateRest } from "@octokit/plugin-paginate-rest";
import { RequestError } from "@octokit/request-error";
import type { EndpointDefaults, OctokitResponse } from "@octokit/types";
import { withSpan } from "../observability/tracing-context.js";
import { GitHubRateLimitedError } from "./errors.js";
import type { EndpointBudget } from "./rate-limit/endpoint-budget.js";
import { pointsFor } from "./rate-limit/endpoint-budget.js";
import type { EndpointKeys } from "./rate-limit/endpoint-keys.js";
import type { Semaphore } from "./rate-limit/concurrency.js";
import type { QuotaScope, RateLimitTracker } from "./rate-limit/tracker.js";
import { decideRetry, type Attempts } from "./retry-policy.js";
import type { GitHubLimits, LoggerLike } from "./types.js";

// Every request, whoever makes it, goes through one Octokit request hook:
//
//   wait out a known rate limit → reserve endpoint budget → take a
//   concurrency slot and a current credential → send → record
//   x-ratelimit-* → on failure:
//     401 once → drop the credential, go round again with a fresh one;
//     403/429 rate limit → block the quota until retry-after/reset, go round;
//     5xx on an idempotent request → back off, go round;
//     otherwise → a typed GitHubError.
//
// Waits happen before the slot is taken, so a sleeping request never holds
// one of the 100 slots, nor does a request waiting for a token to be minted
// (see credentialAndSlot). Each round spends budget again
// because GitHub counts retries as well. @octokit/plugin-throttling and
// plugin-retry are not used: both schedule with Bottleneck on real timers,
// which cannot share the injected clock, and neither knows per-endpoint
// points. Pagination is @octokit/plugin-paginate-rest, which calls back
// through this hook for every page.

export const HangarOctokit = Octokit.plugin(paginateRest);
export type HangarOctokit = InstanceType<typeof HangarOctokit>;

export interface Credential {
  /** The Authorization header value. */
  readonly header: string;
  /** GitHub answered 401 to it: forget it. */
  refuse(): void;
}

export interface Credentials {
  readonly scope: QuotaScope;
  /** A credential usable right now without any I/O, if there is one. */
  current(): Credential | undefined;
  /** A fresh credential, minting one (itself a request) when needed. */
  authorize(): Promise<Credential>;
}

/** What all of one App's Octokit instances share. */
export interface Pipeline {
  readonly apiUrl: string;
  readonly userAgent: string;
  readonly limits: GitHubLimits;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly logger: LoggerLike | undefined;
  readonly budget: EndpointBudget;
  readonly semaphore: Semaphore;
  readonly tracker: RateLimitTracker;
  readonly endpointKeys: EndpointKeys;
  /** Requests sleeping until a rate limit resets. */
  blockedWaiting: number;
}

type SendRequest = (
  options: Required<EndpointDefaults>,
) => OctokitResponse<unknown> | Promise<OctokitResponse<unknown>>;

export function createOctokit(
  pipeline: Pipeline,
  credentials: Credentials,
  policy: { maxRateLimitWaitMs: number },
): HangarOctokit {
  const logger = pipeline.logger;
  const octokit = new HangarOctokit({
    baseUrl: pipeline.apiUrl,
    userAgent: pipeline.userAgent,
    // Octokit reports deprecations through this; route them to our logger, not the console.
    log: {
      debug: (message: string) => logger?.debug({}, message),
      info: (message: string) => logger?.info({}, message),
      warn: (message: string) => logger?.warn({}, message),
      error: (message: string) => logger?.warn({}, message),
    },
  });
  octokit.hook.wrap("request", (request: SendRequest, options) =>
    send(pipeline, credentials, policy, request, options),
  );
  return octokit;
}

async function waitForQuota(
  pipeline: Pipeline,
  scope: QuotaScope,
  endpoint: string,
  maxWaitMs: number,
): Promise<void> {
  for (;;) {
    const until = pipeline.tracker.blockedUntil(scope);
    const waitMs = until - pipeline.now();
    if (waitMs <= 0) return;
    if (waitMs > maxWaitMs) {
      throw new GitHubRateLimitedError(`${endpoint}: rate limited`, new Date(until));
    }
    pipeline.blockedWaiting += 1;
    try {
      await pipeline.sleep(waitMs);
    } finally {
      pipeline.blockedWaiting -= 1;
    }
  }
}

/**
 * A credential and a concurrency slot, without ever holding a slot while a
 * token is minted (the mint needs a slot of its own: 100 requests waiting
 * for a mint while holding all 100 slots would deadlock). The credential is
 * looked at again once the slot is ours: the wait for a slot can outlast a
 * token, and a request queued behind a burst should not earn a 401.
 */
async function credentialAndSlot(
  pipeline: Pipeline,
  credentials: Credentials,
): Promise<{ credential: Credential; release: () => void }> {
  for (let round = 0; ; round++) {
    const credential = credentials.current() ?? (await credentials.authorize());
    const release = await pipeline.semaphore.acquire();
    const latest = credentials.current();
    // A second round proceeds regardless: a just-minted token is as fresh as it gets.
    if (latest !== undefined || round > 0) return { credential: latest ?? credential, release };
    release();
  }
}

async function send(
  pipeline: Pipeline,
  credentials: Credentials,
  policy: { maxRateLimitWaitMs: number },
  request: SendRequest,
  options: Required<EndpointDefaults>,
): Promise<OctokitResponse<unknown>> {
  const { logger, tracker } = pipeline;
  const method = options.method.toUpperCase();
  const endpoint = pipeline.endpointKeys.key(method, options.url);
  const scope = credentials.scope;
  const attempts: Attempts = {
    refreshedCredentials: false,
    rateLimitRetries: 0,
    serverErrorRetries: 0,
  };
  // One span per call, retries included, named by route template: the expanded URL
  // names repositories and organisations, and only headers ever carry credentials.
  return withSpan(
    `GitHub ${endpoint}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        "http.request.method": method,
        "github.route": endpoint,
        "github.scope": scope,
      },
    },
    async (span) => {
      let backoffMs = 0;

      for (;;) {
        if (backoffMs > 0) {
          await pipeline.sleep(backoffMs);
          backoffMs = 0;
        }
        await waitForQuota(pipeline, scope, endpoint, policy.maxRateLimitWaitMs);
        const ticket = await pipeline.budget.acquire(endpoint, pointsFor(method));
        let credential: Credential;
        let release: () => void;
        try {
          ({ credential, release } = await credentialAndSlot(pipeline, credentials));
        } catch (error) {
          ticket.cancel();
          throw error;
        }
        try {
          ticket.sent();
          const response = await request({
            ...options,
            headers: { ...options.headers, authorization: credential.header },
          });
          tracker.record(scope, response.headers);
          describeResponse(span, response.status, response.headers);
          return response;
        } catch (error) {
          if (!(error instanceof RequestError)) throw error;
          tracker.record(scope, error.response?.headers ?? {});
          describeResponse(span, error.status, error.response?.headers ?? {});
          const decision = decideRetry(error, {
            method,
            endpoint,
            nowMs: pipeline.now(),
            attempts,
            limits: pipeline.limits,
            maxRateLimitWaitMs: policy.maxRateLimitWaitMs,
          });
          const status = error.status;
          switch (decision.kind) {
            case "refresh-credentials":
              attempts.refreshedCredentials = true;
              span.addEvent("retry", { reason: decision.kind });
              credential.refuse();
              logger?.info(
                { endpoint, scope },
                "GitHub refused credentials; retrying with fresh ones",
              );
              break;
            case "wait-rate-limit":
              attempts.rateLimitRetries += 1;
              span.addEvent("retry", { reason: decision.kind });
              // Everything else of this quota waits too, instead of collecting 403s of its own.
              tracker.block(scope, decision.untilMs);
              logger?.warn(
                { endpoint, scope, status, retryAt: new Date(decision.untilMs).toISOString() },
                "GitHub rate limit; waiting",
              );
              break;
            case "back-off":
              attempts.serverErrorRetries += 1;
              span.addEvent("retry", { reason: decision.kind });
              backoffMs = decision.delayMs;
              logger?.warn({ endpoint, scope, status, backoffMs }, "GitHub unavailable; retrying");
              break;
            case "fail":
              throw decision.error;
          }
        } finally {
          release();
        }
      }
    },
  );
}

function describeResponse(
  span: Span,
  status: number,
  headers: Readonly<Record<string, unknown>>,
): void {
  span.setAttribute("http.response.status_code", status);
  const remaining = Number(headers["x-ratelimit-remaining"]);
  if (Number.isFinite(remaining)) span.setAttribute("github.ratelimit.remaining", remaining);
}
