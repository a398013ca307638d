import type { RateLimitState } from "../types.js";
import { parseRateLimitHeaders, type ResponseHeaders } from "./headers.js";

// What GitHub last told us about each quota (every response carries
// `x-ratelimit-*`), and until when each quota is known to be exhausted, so
// that after one 403 the requests queued behind it wait too instead of each
// collecting a 403 of its own (ARC #206's "rate limit storm").

/** Installation tokens have per-installation quotas; the App's JWT has its own. */
export type QuotaScope = number | "app";

export interface RateLimitTracker {
  record(scope: QuotaScope, headers: ResponseHeaders): void;
  /** Nothing in `scope` should be sent before this time (epoch ms). */
  block(scope: QuotaScope, untilMs: number): void;
  /** Epoch ms before which `scope` must not send; ≤ now when it may. */
  blockedUntil(scope: QuotaScope): number;
  snapshot(): { installations: Record<number, RateLimitState>; app: RateLimitState | null };
}

export function createRateLimitTracker(options: { now: () => number }): RateLimitTracker {
  const states = new Map<QuotaScope, RateLimitState>();
  const blocks = new Map<QuotaScope, number>();

  return {
    record(scope, headers) {
      const parsed = parseRateLimitHeaders(headers);
      if (parsed !== undefined) states.set(scope, parsed);
    },
    block(scope, untilMs) {
      blocks.set(scope, Math.max(blocks.get(scope) ?? 0, untilMs));
    },
    blockedUntil(scope) {
      const now = options.now();
      let until = blocks.get(scope) ?? 0;
      if (until <= now) {
        blocks.delete(scope);
        until = 0;
      }
      const state = states.get(scope);
      // The primary quota is spent: waiting for the reset beats a certain 403.
      if (state?.remaining === 0 && state.resetAt > now) until = Math.max(until, state.resetAt);
      return until;
    },
    snapshot() {
      const installations: Record<number, RateLimitState> = {};
      for (const [scope, state] of states) {
        if (scope !== "app") installations[scope] = { ...state };
      }
      const app = states.get("app");
      return { installations, app: app === undefined ? null : { ...app } };
    },
  };
}
