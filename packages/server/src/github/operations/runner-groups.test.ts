import { api, installationToken } from "@hangar/github-sim/testing/rest.js";
import { afterEach, describe, expect, it } from "vitest";
import { GitHubAuthError } from "../errors.js";
import { simulatedGitHub, statuses, type SimulatedGitHub } from "../test-fixtures.js";

// Runner groups against the GitHub simulator: the group Hangar keeps for a configuration
// with a repository allow-list is created once, corrected when GitHub's copy drifts,
// and refused on a plan without custom groups.

let github: SimulatedGitHub | undefined;
afterEach(async () => {
  await github?.close();
  github = undefined;
});

async function setup(options: { customRunnerGroups?: boolean } = {}) {
  github = await simulatedGitHub({ sim: options });
  const created = await github.sim.control.createInstallation({
    account: { login: "acme", type: "Organization" },
    repositories: ["web", "api", "docs"],
  });
  const ids = Object.fromEntries(created.repositories.map((r) => [r.fullName, r.id]));
  return { installation: github.app.installation(created.installationId), ids };
}

const writes = (sim: SimulatedGitHub) =>
  sim.sim.stats().requests.filter((r) => r.method !== "GET" && r.path.includes("/runner-groups"))
    .length;

describe("ensureRunnerGroup", () => {
  it("creates a selected group for exactly the allow-listed repositories, once", async () => {
    const { installation, ids } = await setup();
    const web = ids["acme/web"]!;
    const id = await installation.ensureRunnerGroup("acme", {
      name: "hangar-r1",
      repositoryIds: [web],
    });
    const group = (await installation.listRunnerGroups("acme")).find((g) => g.id === id);
    expect(group).toEqual({
      id,
      name: "hangar-r1",
      visibility: "selected",
      isDefault: false,
      allowsPublicRepositories: true,
    });
    expect(await installation.listRunnerGroupRepositoryIds("acme", id)).toEqual([web]);
    const before = writes(github!);
    // Again, as a retried launch or another worker would: reads only, the same id.
    expect(
      await installation.ensureRunnerGroup("acme", { name: "HANGAR-R1", repositoryIds: [web] }),
    ).toBe(id);
    expect(writes(github!)).toBe(before);
  });

  it("sets the repositories when the allow-list changes, and restricts a group widened by hand", async () => {
    const { installation, ids } = await setup();
    const [web, apiRepo, docs] = [ids["acme/web"]!, ids["acme/api"]!, ids["acme/docs"]!];
    const id = await installation.ensureRunnerGroup("acme", {
      name: "hangar-r2",
      repositoryIds: [web, apiRepo],
    });
    await installation.ensureRunnerGroup("acme", { name: "hangar-r2", repositoryIds: [docs] });
    expect(await installation.listRunnerGroupRepositoryIds("acme", id)).toEqual([docs]);

    // Someone opens the group to every repository on GitHub; the next launch closes it.
    const sim = github!.sim;
    const [installed] = await sim.control.installations();
    const installationId = installed!.id;
    const token = await installationToken(sim, installationId, github!.clock.now());
    const response = await api(sim, "PATCH", `/orgs/acme/actions/runner-groups/${id}`, {
      token,
      body: { name: "hangar-r2", visibility: "all" },
    });
    expect(response.status).toBe(200);
    await installation.ensureRunnerGroup("acme", { name: "hangar-r2", repositoryIds: [docs] });
    const group = (await installation.listRunnerGroups("acme")).find((g) => g.id === id);
    expect(group?.visibility).toBe("selected");
    expect(await installation.listRunnerGroupRepositoryIds("acme", id)).toEqual([docs]);
  });

  it("takes over a group of that name created meanwhile (409 on create)", async () => {
    const { installation, ids } = await setup();
    const web = ids["acme/web"]!;
    // Another worker won the race: the group exists, open to everything.
    const other = await github!.sim.control.createRunnerGroup("acme", "hangar-r3");
    const id = await installation.ensureRunnerGroup("acme", {
      name: "hangar-r3",
      repositoryIds: [web],
    });
    expect(id).toBe(other.id);
    expect(await installation.listRunnerGroupRepositoryIds("acme", id)).toEqual([web]);
  });

  it("fails with GitHubAuthError on a plan without custom groups (403)", async () => {
    const { installation, ids } = await setup({ customRunnerGroups: false });
    await expect(
      installation.ensureRunnerGroup("acme", {
        name: "hangar-r4",
        repositoryIds: [ids["acme/web"]!],
      }),
    ).rejects.toBeInstanceOf(GitHubAuthError);
    expect(statuses(github!, /\/runner-groups$/)).toContain(403);
  });
});

describe("deleteRunnerGroup", () => {
  it("deletes the group by name, and says not-found after", async () => {
    const { installation, ids } = await setup();
    await installation.ensureRunnerGroup("acme", {
      name: "hangar-r5",
      repositoryIds: [ids["acme/web"]!],
    });
    expect(await installation.deleteRunnerGroup("acme", "hangar-r5")).toEqual({ kind: "deleted" });
    expect(await installation.deleteRunnerGroup("acme", "hangar-r5")).toEqual({
      kind: "not-found",
    });
    expect((await installation.listRunnerGroups("acme")).map((g) => g.name)).toEqual(["Default"]);
  });
});
