import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { startSimulator, type Simulator } from "./simulator.js";
import { api, appJwt, installationToken } from "./testing/rest.js";

describe("App auth and installation tokens", () => {
  const clock = new ManualClock();
  let sim: Simulator;
  let installationId: number;

  beforeAll(async () => {
    sim = await startSimulator({ clock, tokenTtlSeconds: 3600 });
    ({ installationId } = await sim.control.createInstallation({
      account: { login: "acme", type: "Organization" },
      repositories: ["web", "api"],
    }));
  });
  afterAll(async () => sim.close());

  it("accepts a valid App JWT and answers GET /app with rate-limit headers", async () => {
    const res = await api(sim, "GET", "/app", { jwt: await appJwt(sim, clock.now()) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: sim.app.id, slug: sim.app.slug });
    expect(res.headers.get("x-ratelimit-limit")).toBe("5000");
    expect(res.headers.get("x-ratelimit-resource")).toBe("core");
    expect(res.headers.get("x-github-request-id")).toBeTruthy();
    const one = await api(sim, "GET", `/app/installations/${installationId}`, {
      jwt: await appJwt(sim, clock.now()),
    });
    expect(one.body).toMatchObject({
      id: installationId,
      account: { login: "acme" },
      app_id: sim.app.id,
    });
  });

  it("refuses an expired JWT, one valid too long, and one signed by another key", async () => {
    const now = Math.floor(clock.now() / 1000);
    const expired = await appJwt(sim, clock.now(), { times: { iat: now - 700, exp: now - 100 } });
    const tooLong = await appJwt(sim, clock.now(), { times: { iat: now, exp: now + 3600 } });
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const foreign = await appJwt(sim, clock.now(), {
      privateKeyPem: other.privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    });
    for (const jwt of [expired, tooLong, foreign]) {
      const res = await api(sim, "GET", "/app", { jwt });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({
        documentation_url: expect.any(String) as string,
        status: "401",
      });
    }
  });

  it("mints tokens of varying length that expire by the simulator clock", async () => {
    const lengths = new Set<number>();
    for (let i = 0; i < 8; i++)
      lengths.add((await installationToken(sim, installationId, clock.now())).length);
    expect(lengths.size).toBeGreaterThan(1);
    const token = await installationToken(sim, installationId, clock.now());
    expect(token).toMatch(/^ghs_/);
    expect((await api(sim, "GET", "/installation/repositories", { token })).status).toBe(200);
    clock.advance(3600_000);
    const res = await api(sim, "GET", "/installation/repositories", { token });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ message: "Bad credentials" });
    expect(sim.stats().tokensMinted[installationId]).toBe(9);
  });

  it("refuses to mint for a suspended installation (403) and a deleted one (404)", async () => {
    await sim.control.suspendInstallation(installationId);
    const jwt = await appJwt(sim, clock.now());
    const path = `/app/installations/${installationId}/access_tokens`;
    expect((await api(sim, "POST", path, { jwt })).status).toBe(403);
    await sim.control.unsuspendInstallation(installationId);
    expect((await api(sim, "POST", path, { jwt })).status).toBe(201);
    await sim.control.deleteInstallation(installationId);
    expect((await api(sim, "POST", path, { jwt })).status).toBe(404);
  });
});

describe("installation repositories", () => {
  let sim: Simulator;
  afterAll(async () => sim.close());

  it("paginates with total_count and a Link header", async () => {
    const clock = new ManualClock();
    sim = await startSimulator({ clock });
    const names = Array.from({ length: 7 }, (_, i) => `repo-${i}`);
    const { installationId } = await sim.control.createInstallation({
      account: { login: "many", type: "Organization" },
      repositories: names,
    });
    const token = await installationToken(sim, installationId, clock.now());
    const first = await api(sim, "GET", "/installation/repositories?per_page=3", { token });
    expect(first.body).toMatchObject({ total_count: 7 });
    expect((first.body as { repositories: unknown[] }).repositories).toHaveLength(3);
    const link = first.headers.get("link") ?? "";
    expect(link).toContain('rel="next"');
    expect(link).toMatch(/page=3>; rel="last"/);
    const last = await api(sim, "GET", "/installation/repositories?per_page=3&page=3", { token });
    const repos = (last.body as { repositories: { full_name: string }[] }).repositories;
    expect(repos.map((r) => r.full_name)).toEqual(["many/repo-6"]);
    expect(last.headers.get("link")).not.toContain('rel="next"');
  });
});
