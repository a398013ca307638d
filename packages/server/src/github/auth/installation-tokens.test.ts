import { describe, expect, it } from "vitest";
import { createInstallationTokenCache } from "./installation-tokens.js";

const HOUR = 3_600_000;

function setup(lifetimeMs = HOUR) {
  let now = 0;
  const mints: number[] = [];
  const releases: (() => void)[] = [];
  const cache = createInstallationTokenCache({
    now: () => now,
    refreshMarginMs: 5 * 60_000,
    mint: async (installationId) => {
      const serial = mints.push(installationId);
      // Held until the test lets it finish, so callers really overlap.
      await new Promise<void>((resolve) => releases.push(resolve));
      return { token: `ghs_${installationId}_${serial}`, expiresAt: now + lifetimeMs };
    },
  });
  const finishMints = async () => {
    while (releases.length === 0) await Promise.resolve();
    for (const release of releases.splice(0)) release();
  };
  return { cache, mints, finishMints, advance: (ms: number) => (now += ms) };
}

describe("installation token cache", () => {
  it("mints once per installation however many callers arrive together", async () => {
    const { cache, mints, finishMints } = setup();
    const calls = [...Array.from({ length: 50 }, () => cache.get(1)), cache.get(2), cache.get(2)];
    await finishMints();
    const tokens = await Promise.all(calls);
    expect(mints.sort()).toEqual([1, 2]);
    expect(new Set(tokens)).toEqual(new Set(["ghs_1_1", "ghs_2_2"]));
  });

  it("refreshes 5 minutes before expiry, with one mint for the whole burst", async () => {
    const { cache, mints, finishMints, advance } = setup();
    const first = cache.get(1);
    await finishMints();
    await first;
    advance(HOUR - 5 * 60_000 - 1);
    expect(await cache.get(1)).toBe("ghs_1_1");
    advance(1);
    const burst = Array.from({ length: 20 }, () => cache.get(1));
    await finishMints();
    expect(new Set(await Promise.all(burst))).toEqual(new Set(["ghs_1_2"]));
    expect(mints).toHaveLength(2);
  });

  it("drops only the refused token, not a newer one", async () => {
    const { cache, mints, finishMints } = setup();
    const first = cache.get(1);
    await finishMints();
    const stale = await first;
    cache.invalidate(1, stale);
    const second = cache.get(1);
    await finishMints();
    const fresh = await second;
    // A late 401 on the stale token must not discard the fresh one.
    cache.invalidate(1, stale);
    expect(await cache.get(1)).toBe(fresh);
    expect(mints).toHaveLength(2);
  });

  it("reuses short-lived tokens for a quarter of their life instead of minting per call", async () => {
    const { cache, mints, finishMints, advance } = setup(2 * 60_000);
    const first = cache.get(1);
    await finishMints();
    await first;
    advance(60_000);
    expect(await cache.get(1)).toBe("ghs_1_1");
    expect(mints).toHaveLength(1);
  });
});
