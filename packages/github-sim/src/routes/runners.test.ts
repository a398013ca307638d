import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import { startSimulator, type Simulator } from "../simulator.js";
import { decodeJitConfig } from "../state/runners.js";
import { api, installationToken } from "../testing/rest.js";

describe("JIT runners over REST", () => {
  const clock = new ManualClock();
  let sim: Simulator;
  let token: string;
  const jit = "/orgs/acme/actions/runners/generate-jitconfig";

  beforeAll(async () => {
    sim = await startSimulator({ clock });
    const { installationId } = await sim.control.createInstallation({
      account: { login: "acme", type: "Organization" },
      repositories: ["web"],
    });
    token = await installationToken(sim, installationId, clock.now());
  });
  afterAll(async () => sim.close());

  it("registers an offline, idle, ephemeral runner with a decodable config (201)", async () => {
    const res = await api(sim, "POST", jit, {
      token,
      body: { name: "r-1", runner_group_id: 1, labels: ["hangar-4cpu"], work_folder: "_work" },
    });
    expect(res.status).toBe(201);
    const body = res.body as { runner: Record<string, unknown>; encoded_jit_config: string };
    expect(body.runner).toMatchObject({
      name: "r-1",
      status: "offline",
      busy: false,
      ephemeral: true,
    });
    const doc = decodeJitConfig(body.encoded_jit_config);
    expect(doc).toMatchObject({ runnerId: body.runner.id, runnerName: "r-1" });
    expect(doc?.labels).toContain("hangar-4cpu");
  });

  it("answers 409 for a name that exists, 422 for a missing group or a bad label count", async () => {
    const dup = await api(sim, "POST", jit, {
      token,
      body: { name: "r-1", runner_group_id: 1, labels: ["x"] },
    });
    expect(dup.status).toBe(409);
    expect((dup.body as { message: string }).message).toMatch(
      /^Already exists - A runner with the name r-1/,
    );
    const cases = [
      { name: "r-2", labels: ["x"] },
      { name: "r-2", runner_group_id: 1, labels: [] },
      { name: "r-2", runner_group_id: 1, labels: Array.from({ length: 101 }, (_, i) => `l${i}`) },
    ];
    for (const body of cases)
      expect((await api(sim, "POST", jit, { token, body })).status).toBe(422);
  });

  it("lists by name, deletes idle (204), refuses busy (422), and 404s the unknown", async () => {
    const listed = await api(sim, "GET", "/orgs/acme/actions/runners?name=r-1", { token });
    const { total_count, runners } = listed.body as {
      total_count: number;
      runners: { id: number }[];
    };
    expect(total_count).toBe(1);
    const id = runners[0]!.id;
    await sim.control.setRunnerBusy("r-1", true);
    expect((await api(sim, "DELETE", `/orgs/acme/actions/runners/${id}`, { token })).status).toBe(
      422,
    );
    await sim.control.setRunnerBusy("r-1", false);
    expect((await api(sim, "DELETE", `/orgs/acme/actions/runners/${id}`, { token })).status).toBe(
      204,
    );
    expect((await api(sim, "DELETE", `/orgs/acme/actions/runners/${id}`, { token })).status).toBe(
      404,
    );
    expect((await api(sim, "GET", `/orgs/acme/actions/runners/${id}`, { token })).status).toBe(404);
  });

  it("lists the Default runner group with id 1 and 404s another org", async () => {
    const groups = await api(sim, "GET", "/orgs/acme/actions/runner-groups", { token });
    expect(groups.body).toMatchObject({
      runner_groups: [{ id: 1, name: "Default", default: true }],
    });
    expect((await api(sim, "GET", "/orgs/other/actions/runners", { token })).status).toBe(404);
  });
});

describe("rate limits", () => {
  it("spends a per-endpoint points budget, answers 403 + retry-after, and refills a minute later", async () => {
    const clock = new ManualClock();
    const sim = await startSimulator({ clock, limits: { secondaryPointsPerMinute: 12 } });
    try {
      const { installationId } = await sim.control.createInstallation({
        account: { login: "acme", type: "Organization" },
        repositories: ["web"],
      });
      const token = await installationToken(sim, installationId, clock.now());
      const jit = "/orgs/acme/actions/runners/generate-jitconfig";
      const body = (n: number) => ({ name: `r-${n}`, runner_group_id: 1, labels: ["x"] });
      // POST costs 5 points: two fit in 12, the third does not.
      expect((await api(sim, "POST", jit, { token, body: body(1) })).status).toBe(201);
      expect((await api(sim, "POST", jit, { token, body: body(2) })).status).toBe(201);
      clock.advance(20_000);
      const limited = await api(sim, "POST", jit, { token, body: body(3) });
      expect(limited.status).toBe(403);
      expect(limited.headers.get("retry-after")).toBe("40");
      expect((limited.body as { message: string }).message).toMatch(/secondary rate limit/);
      // Another endpoint has its own budget.
      expect((await api(sim, "GET", "/orgs/acme/actions/runners", { token })).status).toBe(200);
      clock.advance(40_000);
      expect((await api(sim, "POST", jit, { token, body: body(3) })).status).toBe(201);
    } finally {
      await sim.close();
    }
  });

  it("answers 403 with remaining 0 once the hourly budget is spent; /rate_limit is free", async () => {
    const clock = new ManualClock();
    const sim = await startSimulator({ clock, limits: { primaryPerHour: 3 } });
    try {
      const { installationId } = await sim.control.createInstallation({
        account: { login: "acme", type: "Organization" },
        repositories: ["web"],
      });
      const token = await installationToken(sim, installationId, clock.now());
      for (let i = 0; i < 3; i++) {
        expect((await api(sim, "GET", "/installation/repositories", { token })).status).toBe(200);
      }
      const over = await api(sim, "GET", "/installation/repositories", { token });
      expect(over.status).toBe(403);
      expect(over.headers.get("x-ratelimit-remaining")).toBe("0");
      expect((over.body as { message: string }).message).toContain(
        `installation ID ${installationId}`,
      );
      const free = await api(sim, "GET", "/rate_limit", { token });
      expect(free.body).toMatchObject({ resources: { core: { remaining: 0, limit: 3 } } });
      clock.advance(3_600_000);
      const fresh = await installationToken(sim, installationId, clock.now());
      expect((await api(sim, "GET", "/installation/repositories", { token: fresh })).status).toBe(
        200,
      );
    } finally {
      await sim.close();
    }
  });

  it("refuses requests beyond maxConcurrent in flight with a secondary 403", async () => {
    const clock = new ManualClock();
    const sim = await startSimulator({ clock, limits: { maxConcurrent: 2 } });
    try {
      await sim.control.holdRequests(true);
      const held = [api(sim, "GET", "/rate_limit"), api(sim, "GET", "/rate_limit")];
      // Wait (by polling stats, not by sleeping as an assertion) until both are inside.
      while (sim.stats().inFlight < 2) await new Promise((r) => setTimeout(r, 5));
      const third = await api(sim, "GET", "/rate_limit");
      expect(third.status).toBe(403);
      expect(third.headers.get("retry-after")).toBeTruthy();
      await sim.control.holdRequests(false);
      expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
      expect(sim.stats().maxInFlight).toBe(3);
    } finally {
      await sim.close();
    }
  });

  it("serves injected GitHub-shaped failures to matching requests only", async () => {
    const sim = await startSimulator({ clock: new ManualClock() });
    try {
      await sim.control.failNext({
        pathPattern: "^/rate_limit$",
        status: 403,
        secondary: true,
        retryAfterSeconds: 7,
        count: 2,
      });
      for (let i = 0; i < 2; i++) {
        const res = await api(sim, "GET", "/rate_limit");
        expect(res.status).toBe(403);
        expect(res.headers.get("retry-after")).toBe("7");
      }
      expect((await api(sim, "GET", "/rate_limit")).status).toBe(200);
      await sim.control.failNext({ status: 429 });
      const primary = await api(sim, "GET", "/rate_limit");
      expect(primary.status).toBe(429);
      expect(primary.headers.get("x-ratelimit-remaining")).toBe("0");
    } finally {
      await sim.close();
    }
  });
});
