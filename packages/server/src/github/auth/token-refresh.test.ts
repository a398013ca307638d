import { afterEach, describe, expect, it } from "vitest";
import {
  orgInstallation,
  simulatedGitHub,
  statuses,
  type SimulatedGitHub,
} from "../test-fixtures.js";

// Installation tokens against the GitHub simulator, sharing its manual clock.

let github: SimulatedGitHub | undefined;
afterEach(async () => {
  await github?.close();
  github = undefined;
});

describe("installation tokens", () => {
  it("mints one token per installation for many calls", async () => {
    github = await simulatedGitHub();
    const acme = await orgInstallation(github, "acme");
    const globex = await orgInstallation(github, "globex");
    await Promise.all(
      [acme, globex].flatMap((id) =>
        Array.from({ length: 25 }, () => github!.app.installation(id).listRepositories()),
      ),
    );
    await github.app.installation(acme).listRepositories();
    expect(github.sim.stats().tokensMinted).toEqual({ [acme]: 1, [globex]: 1 });
  });

  it("survives the clock jumping past expiry mid-burst: no 401 reaches a caller, one new mint each", async () => {
    github = await simulatedGitHub();
    const ids = [await orgInstallation(github, "acme"), await orgInstallation(github, "globex")];
    const call = (id: number) =>
      github!.app.installation(id).listRunners({ org: id === ids[0] ? "acme" : "globex" });
    const first = ids.flatMap((id) => Array.from({ length: 60 }, () => call(id)));
    // Let part of the burst through, then jump past the tokens' one-hour life.
    while (github.sim.stats().requests.length < 20) {
      await new Promise<void>((resolve) => {
        setImmediate(resolve);
      });
    }
    github.clock.advance(2 * 3_600_000);
    const second = ids.flatMap((id) => Array.from({ length: 60 }, () => call(id)));
    const results = await Promise.allSettled([...first, ...second]);

    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(github.sim.stats().tokensMinted).toEqual({ [ids[0]!]: 2, [ids[1]!]: 2 });
    // Only requests already on the wire when time jumped can meet the expired
    // token (≤ 100 in flight); each was retried once with the new token.
    const refused = statuses(github).filter((s) => s === 401).length;
    expect(refused).toBeLessThanOrEqual(100);
    expect(statuses(github).filter((s) => s === 200)).toHaveLength(240);
  });

  it("refreshes ahead of expiry: a burst entering the last 5 minutes sees no 401 at all", async () => {
    github = await simulatedGitHub();
    const acme = await orgInstallation(github, "acme");
    const installation = github.app.installation(acme);
    await installation.listRepositories();
    github.clock.advance(57 * 60_000);
    await Promise.all(Array.from({ length: 100 }, () => installation.listRunners({ org: "acme" })));
    expect(statuses(github).filter((s) => s === 401)).toEqual([]);
    expect(github.sim.stats().tokensMinted[acme]).toBe(2);
  });

  it("retries once with a fresh token when GitHub refuses one the client thinks valid", async () => {
    github = await simulatedGitHub();
    const acme = await orgInstallation(github, "acme");
    const installation = github.app.installation(acme);
    await installation.listRepositories();
    // GitHub's clock runs 400 s ahead of ours: it expires the token while we think it has 6 min left.
    github.lagMs = 400_000;
    github.clock.advance(3_601_000);
    const repositories = await installation.listRepositories();

    expect(repositories.map((r) => r.fullName)).toEqual(["acme/app"]);
    expect(statuses(github, /^\/installation\/repositories$/)).toEqual([200, 401, 200]);
    expect(github.sim.stats().tokensMinted[acme]).toBe(2);
  });
});
