import { GitHubHttpError, SECONDARY_LIMIT_MESSAGE } from "../http-error.js";

const MINUTE_MS = 60_000;

/** GitHub's point costs: reads are cheap, writes cost five. */
export function pointsFor(method: string): number {
  return ["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase()) ? 1 : 5;
}

export function secondaryLimitError(retryAfterSeconds: number): GitHubHttpError {
  return new GitHubHttpError(403, SECONDARY_LIMIT_MESSAGE, {
    "retry-after": String(Math.max(1, Math.ceil(retryAfterSeconds))),
  });
}

interface PointsWindow {
  startMs: number;
  points: number;
}

/**
 * Secondary limits per endpoint (method + route template) for the whole App:
 * a points budget per minute. The window opens at the first request; once it
 * is spent, requests get 403 with `retry-after` until the minute is over.
 */
export class SecondaryLimiter {
  private readonly windows = new Map<string, PointsWindow>();

  constructor(private readonly pointsPerMinute: number) {}

  consume(method: string, routeTemplate: string, nowMs: number): void {
    const key = `${method.toUpperCase()} ${routeTemplate}`;
    let window = this.windows.get(key);
    if (!window || nowMs - window.startMs >= MINUTE_MS) {
      window = { startMs: nowMs, points: 0 };
      this.windows.set(key, window);
    }
    const cost = pointsFor(method);
    if (window.points + cost > this.pointsPerMinute) {
      throw secondaryLimitError((window.startMs + MINUTE_MS - nowMs) / 1000);
    }
    window.points += cost;
  }
}
