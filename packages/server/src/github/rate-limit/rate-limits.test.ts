import { afterEach, describe, expect, it } from "vitest";
import { GitHubRateLimitedError } from "../errors.js";
import {
  orgInstallation,
  simulatedGitHub,
  statuses,
  type SimulatedGitHub,
} from "../test-fixtures.js";

// Rate limits against the GitHub simulator, on its manual clock: the
// client's sleeps move simulated time, so minutes of pacing take no wall time.

let github: SimulatedGitHub | undefined;
afterEach(async () => {
  await github?.close();
  github = undefined;
});

const REPOS = "^/installation/repositories$";

describe("rate-limit responses", () => {
  it("waits out a secondary-limit 403 with retry-after, then succeeds", async () => {
    github = await simulatedGitHub();
    const installation = github.app.installation(await orgInstallation(github, "acme"));
    await github.sim.control.failNext({
      status: 403,
      secondary: true,
      retryAfterSeconds: 30,
      pathPattern: REPOS,
    });
    const before = github.clock.now();

    await expect(installation.listRepositories()).resolves.toHaveLength(1);
    expect(statuses(github, new RegExp(REPOS))).toEqual([403, 200]);
    expect(github.sleeps).toEqual([30_000]);
    expect(github.clock.now() - before).toBeGreaterThanOrEqual(30_000);
  });

  it("waits out a 429 too, and holds back other requests of that installation meanwhile", async () => {
    github = await simulatedGitHub();
    const installation = github.app.installation(await orgInstallation(github, "acme"));
    await installation.listRepositories();
    await github.sim.control.failNext({ status: 429, retryAfterSeconds: 20, pathPattern: REPOS });
    const before = github.clock.now();
    await Promise.all([installation.listRepositories(), installation.listRunners({ org: "acme" })]);
    expect(statuses(github)).toEqual([201, 200, 429, 200, 200]);
    expect(github.clock.now() - before).toBeGreaterThanOrEqual(20_000);
  });

  it("waits until x-ratelimit-reset when the primary quota is spent", async () => {
    github = await simulatedGitHub();
    const installation = github.app.installation(await orgInstallation(github, "acme"));
    // A primary-limit 403: remaining 0 and a reset 45 s ahead, no retry-after.
    await github.sim.control.failNext({
      status: 403,
      pathPattern: REPOS,
      retryAfterSeconds: undefined,
    });
    const before = github.clock.now();
    await installation.listRepositories();
    expect(github.clock.now() - before).toBeGreaterThanOrEqual(59_000);
    expect(github.app.rateLimitSnapshot().installations).toMatchObject({});
  });

  it("fails fast with GitHubRateLimitedError and retryAt for callers that cannot wait", async () => {
    github = await simulatedGitHub();
    const acme = await orgInstallation(github, "acme");
    const impatient = github.app.installation(acme, { maxRateLimitWaitMs: 0 });
    await github.sim.control.failNext({
      status: 403,
      secondary: true,
      retryAfterSeconds: 30,
      pathPattern: REPOS,
    });
    const now = github.clock.now();
    const error = await impatient.listRepositories().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitHubRateLimitedError);
    expect(error).toMatchObject({ retryable: true, status: 403 });
    expect((error as GitHubRateLimitedError).retryAt.getTime()).toBe(now + 30_000);
    expect(github.sleeps).toEqual([]);
  });

  it("gives up after the bounded number of rate-limit retries", async () => {
    github = await simulatedGitHub();
    const installation = github.app.installation(await orgInstallation(github, "acme"));
    await github.sim.control.failNext({
      status: 403,
      secondary: true,
      retryAfterSeconds: 10,
      pathPattern: REPOS,
      count: 100,
    });
    await expect(installation.listRepositories()).rejects.toBeInstanceOf(GitHubRateLimitedError);
    // 1 + 3 retries, backing off 10, 20, 40 s.
    expect(statuses(github, new RegExp(REPOS))).toEqual([403, 403, 403, 403]);
    expect(github.sleeps).toEqual([10_000, 20_000, 40_000]);
  });

  it("tracks x-ratelimit-* per installation for metrics", async () => {
    github = await simulatedGitHub({ sim: { limits: { primaryPerHour: 1000 } } });
    const acme = await orgInstallation(github, "acme");
    await github.app.installation(acme).listRepositories();
    await github.app.installation(acme).listRunners({ org: "acme" });
    const snapshot = github.app.rateLimitSnapshot();
    expect(snapshot.installations[acme]).toMatchObject({
      limit: 1000,
      remaining: 998,
      resource: "core",
    });
    expect(snapshot.installations[acme]!.resetAt).toBeGreaterThan(github.clock.now());
    expect(snapshot.app).toMatchObject({ resource: "core" });
    expect(snapshot.endpoints["POST /app/installations/{installation_id}/access_tokens"]).toEqual({
      pointsUsed: 5,
      pointsRemaining: 895,
    });
    expect(snapshot).toMatchObject({ inFlight: 0, waiting: 0 });
  });
});

describe("client-side limits", () => {
  it("paces a burst of 300 JIT registrations with zero rate-limit errors from GitHub", async () => {
    github = await simulatedGitHub();
    const installation = github.app.installation(await orgInstallation(github, "acme"));
    await github.sim.control.createRunnerGroup("acme", "burst");
    const start = github.clock.now();

    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        installation.generateJitConfig({
          scope: { org: "acme" },
          name: `burst-${i}`,
          runnerGroup: { name: "burst" },
          labels: ["hangar-2cpu"],
          onConflict: "adopt",
        }),
      ),
    );
    const elapsed = github.clock.now() - start;

    expect(results.filter((r) => r.encodedJitConfig !== undefined)).toHaveLength(300);
    const jitStatuses = statuses(github, /generate-jitconfig$/);
    expect(jitStatuses.filter((s) => s === 201)).toHaveLength(300);
    expect(statuses(github).filter((s) => s === 403 || s === 429)).toEqual([]);
    // 1,500 points at 900 per minute: at least one full window of simulated time.
    expect(elapsed).toBeGreaterThanOrEqual(60_000);
    expect(elapsed).toBeLessThan(2 * 61_000);
    expect(github.sim.stats().maxInFlight).toBeLessThanOrEqual(100);
  });

  it("never has more than 100 requests in flight", async () => {
    github = await simulatedGitHub({ sim: { limits: { maxConcurrent: 100 } } });
    const installation = github.app.installation(await orgInstallation(github, "acme"));
    await installation.listRepositories();
    // The simulator holds admitted requests open, so the cap is reached for certain.
    await github.sim.control.holdRequests(true);
    const calls = Array.from({ length: 250 }, () => installation.listRunners({ org: "acme" }));
    const deadline = Date.now() + 30_000;
    while (github.sim.stats().inFlight < 100 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const snapshot = github.app.rateLimitSnapshot();
    expect(github.sim.stats().inFlight).toBe(100);
    expect(snapshot).toMatchObject({ inFlight: 100, waiting: 150 });
    await github.sim.control.holdRequests(false);

    expect(await Promise.all(calls)).toHaveLength(250);
    expect(github.sim.stats().maxInFlight).toBe(100);
    expect(statuses(github).filter((s) => s === 403)).toEqual([]);
  });
});
