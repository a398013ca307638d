import { Gauge } from "prom-client";
import type { GitHubApp, RateLimitState } from "../github/types.js";
import type { Metrics } from "./metrics.js";

// GitHub's rate limits as its last response said (x-ratelimit-*), per installation
// token and for the App's own JWT: the request pipeline already records every response
// in its tracker, so a scrape reads that instead of adding work to each request. The
// values are this process's view: each replica sees the responses it received.

/**
 * One state per series. Installations beyond the label cap share `other`, which shows
 * the one with the fewest requests left: what an alert on exhaustion needs to see.
 */
export function rateLimitSeries(
  metrics: Pick<Metrics, "installationCap">,
  snapshot: ReturnType<GitHubApp["rateLimitSnapshot"]>,
): { labels: { installation: string; resource: string }; state: RateLimitState }[] {
  const entries: [string, RateLimitState][] = Object.entries(snapshot.installations).map(
    ([id, state]) => [metrics.installationCap.fold(id), state],
  );
  if (snapshot.app !== null) entries.push(["app", snapshot.app]);
  const series = new Map<
    string,
    { labels: { installation: string; resource: string }; state: RateLimitState }
  >();
  for (const [installation, state] of entries) {
    const key = `${installation}/${state.resource}`;
    const seen = series.get(key);
    if (seen === undefined || state.remaining < seen.state.remaining) {
      series.set(key, { labels: { installation, resource: state.resource }, state });
    }
  }
  return [...series.values()];
}

/** Registers the gauges once per process; the App's tracker is read at scrape time. */
export function registerGitHubGauges(
  metrics: Metrics,
  github: Pick<GitHubApp, "rateLimitSnapshot">,
): void {
  metrics.once("github-gauges", () => {
    const gauges = [
      [
        "remaining",
        "hangar_github_rate_limit_remaining",
        "Requests left in the current rate-limit window, per installation (app: the App's JWT).",
      ],
      [
        "limit",
        "hangar_github_rate_limit_limit",
        "Size of the current rate-limit window, per installation (app: the App's JWT).",
      ],
    ] as const;
    for (const [field, name, help] of gauges) {
      new Gauge({
        name,
        help,
        labelNames: ["installation", "resource"],
        registers: [metrics.registry],
        collect() {
          this.reset();
          for (const { labels, state } of rateLimitSeries(metrics, github.rateLimitSnapshot())) {
            this.set(labels, state[field]);
          }
        },
      });
    }
  });
}
