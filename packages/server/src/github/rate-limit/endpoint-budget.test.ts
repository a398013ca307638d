import { describe, expect, it } from "vitest";
import { createEndpointBudget, pointsFor } from "./endpoint-budget.js";
import { createEndpointKeys } from "./endpoint-keys.js";

const JIT = "POST /orgs/{org}/actions/runners/generate-jitconfig";

/** A clock that only moves when someone sleeps; records each sleep. */
function manualTime() {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
    /** Lets callers already admitted send their requests before time moves, as in real time. */
    sleep: async (ms: number) => {
      sleeps.push(ms);
      await new Promise<void>((resolve) => {
        setImmediate(resolve);
      });
      now += ms;
    },
  };
}

describe("endpoint budget", () => {
  it("prices reads at 1 point and writes at 5", () => {
    expect(["GET", "head", "OPTIONS"].map(pointsFor)).toEqual([1, 1, 1]);
    expect(["POST", "PATCH", "PUT", "DELETE"].map(pointsFor)).toEqual([5, 5, 5, 5]);
  });

  it("paces a burst of writes at 180 per window instead of refusing them", async () => {
    const time = manualTime();
    const start = time.now();
    const budget = createEndpointBudget({
      pointsPerWindow: 900,
      windowMs: 60_000,
      marginMs: 1_000,
      now: time.now,
      sleep: time.sleep,
    });
    const sentAt: number[] = [];
    await Promise.all(
      Array.from({ length: 400 }, async () => {
        const ticket = await budget.acquire(JIT, 5);
        ticket.sent();
        sentAt.push(time.now() - start);
      }),
    );
    // 180 at once, 180 after one window (+ margin), the last 40 after two.
    expect(sentAt.filter((t) => t === 0)).toHaveLength(180);
    expect(sentAt.filter((t) => t === 61_000)).toHaveLength(180);
    expect(sentAt.filter((t) => t === 122_000)).toHaveLength(40);
    // Only the head of the queue sleeps: two waits, not hundreds.
    expect(time.sleeps).toEqual([61_000, 61_000]);
    // No 60-second window ever holds more than 900 points.
    for (const t of sentAt) {
      expect(sentAt.filter((s) => s >= t && s < t + 60_000).length * 5).toBeLessThanOrEqual(900);
    }
  });

  it("keeps endpoints apart", async () => {
    const time = manualTime();
    const budget = createEndpointBudget({
      pointsPerWindow: 10,
      windowMs: 60_000,
      marginMs: 0,
      now: time.now,
      sleep: time.sleep,
    });
    for (let i = 0; i < 10; i++) (await budget.acquire("GET /a", 1)).sent();
    (await budget.acquire("GET /b", 1)).sent();
    expect(time.sleeps).toEqual([]);
    expect(budget.snapshot()).toEqual({
      "GET /a": { pointsUsed: 10, pointsRemaining: 0 },
      "GET /b": { pointsUsed: 1, pointsRemaining: 9 },
    });
  });

  it("times points from when the request is sent, and holds unsent reservations", async () => {
    const time = manualTime();
    const budget = createEndpointBudget({
      pointsPerWindow: 10,
      windowMs: 60_000,
      marginMs: 0,
      now: time.now,
      sleep: time.sleep,
    });
    const early = await budget.acquire("POST /x", 5);
    (await budget.acquire("POST /x", 5)).sent();
    // The first request waited 30 s for a concurrency slot before leaving.
    time.advance(30_000);
    early.sent();
    time.advance(31_000);
    // At 61 s the second request's points are free, the first's are not until 90 s.
    expect(budget.snapshot()["POST /x"]).toEqual({ pointsUsed: 5, pointsRemaining: 5 });
    (await budget.acquire("POST /x", 5)).sent();
    await budget.acquire("POST /x", 5);
    expect(time.sleeps).toEqual([29_000]);
  });

  it("gives back the points of a request that was never sent", async () => {
    const time = manualTime();
    const budget = createEndpointBudget({
      pointsPerWindow: 5,
      windowMs: 60_000,
      marginMs: 0,
      now: time.now,
      sleep: time.sleep,
    });
    (await budget.acquire("POST /x", 5)).cancel();
    (await budget.acquire("POST /x", 5)).sent();
    expect(time.sleeps).toEqual([]);
    await expect(budget.acquire("POST /y", 6)).rejects.toThrow(RangeError);
  });
});

describe("endpoint keys", () => {
  it("maps pagination's absolute URLs back to the route template", () => {
    const keys = createEndpointKeys("https://ghe.example.com/api/v3");
    expect(keys.key("get", "/orgs/{org}/actions/runners")).toBe("GET /orgs/{org}/actions/runners");
    expect(
      keys.key(
        "GET",
        "https://ghe.example.com/api/v3/orgs/acme/actions/runners?per_page=100&page=2",
      ),
    ).toBe("GET /orgs/{org}/actions/runners");
    expect(keys.key("GET", "https://ghe.example.com/api/v3/installation/repositories?page=3")).toBe(
      "GET /installation/repositories",
    );
    // Not seen as a template yet: the concrete path is the best key there is.
    expect(keys.key("DELETE", "https://ghe.example.com/api/v3/orgs/acme/actions/runners/1")).toBe(
      "DELETE /orgs/acme/actions/runners/1",
    );
  });
});
