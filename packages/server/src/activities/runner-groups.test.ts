import { ApplicationFailure } from "@temporalio/activity";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@hangar/github-sim";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import { runnerGroupName } from "../domain/runner-group.js";
import { createGitHubApp } from "../github/app-client.js";
import type { GitHubApp } from "../github/types.js";
import { seedTenant, type SeededTenant } from "./jobs-fixtures.js";
import type { RunnerInstanceSpec } from "./runner-instances.js";
import { createRunnerGroupChoice, DEFAULT_RUNNER_GROUP } from "./runner-groups.js";

// The runner group a new runner registers in, against PostgreSQL and the GitHub
// simulator: the Default group without an allow-list, the configuration's own group
// (reconciled once per allow-list) with one, and a refusal, never the Default group,
// where GitHub will not keep such a group.

interface Setup {
  sim: Simulator;
  github: GitHubApp;
  tenant: SeededTenant;
  spec: RunnerInstanceSpec;
}

// A database per test: every simulator numbers its installations alike.
let database: TestDatabase;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setup(org: string, options: { customRunnerGroups?: boolean } = {}): Promise<Setup> {
  const sim = await startSimulator({ autoTick: false, ...options });
  database = await testDatabase();
  cleanups.push(
    () => sim.close(),
    () => database.close(),
  );
  const installation = await sim.control.createInstallation({
    account: { login: org, type: "Organization" },
    repositories: ["web"],
  });
  const tenant = await seedTenant(database.db, {
    installationId: installation.installationId,
    repository: installation.repositories[0]!,
    runnerName: `${org}-4cpu`,
  });
  const github = createGitHubApp({
    apiUrl: sim.url,
    appId: sim.app.id,
    privateKeyPem: sim.app.privateKeyPem,
  });
  const spec = {
    runnerId: tenant.runnerId,
    installationId: tenant.installationId,
    scope: { org },
  } as RunnerInstanceSpec;
  return { sim, github, tenant, spec };
}

const allowList = (runnerId: string, repositories: string[]) =>
  database.db.updateTable("runners").set({ repositories }).where("id", "=", runnerId).execute();

const groupRequests = (sim: Simulator) =>
  sim.stats().requests.filter((r) => r.path.includes("/runner-groups")).length;

describe("runnerGroupFor", () => {
  it("keeps the Default group without an allow-list, and for repository runners", async () => {
    const { sim, github, spec } = await setup("plain");
    const choice = createRunnerGroupChoice({
      db: database.db,
      installation: (id) => github.installation(id),
    });
    expect(await choice.runnerGroupFor(spec)).toEqual(DEFAULT_RUNNER_GROUP);
    await allowList(spec.runnerId, ["plain/web"]);
    const repoScoped = { ...spec, scope: { owner: "plain", repo: "web" } };
    expect(await choice.runnerGroupFor(repoScoped)).toEqual(DEFAULT_RUNNER_GROUP);
    expect(groupRequests(sim)).toBe(0);
  });

  it("uses the configuration's own group, reconciling it again only when the allow-list changes", async () => {
    const { sim, github, tenant, spec } = await setup("allow");
    await sim.control.addRepositories(tenant.installationId, ["api"]);
    const choice = createRunnerGroupChoice({
      db: database.db,
      installation: (id) => github.installation(id),
    });
    await allowList(spec.runnerId, ["ALLOW/web"]);
    const first = await choice.runnerGroupFor(spec);
    const client = github.installation(tenant.installationId);
    const group = (await client.listRunnerGroups("allow")).find(
      (g) => g.name === runnerGroupName(spec.runnerId),
    );
    expect(first).toEqual({ id: group!.id });
    expect(await client.listRunnerGroupRepositoryIds("allow", first.id)).toEqual([
      tenant.repository.id,
    ]);

    // Later launches of the same allow-list ask GitHub nothing.
    const asked = groupRequests(sim);
    expect(await choice.runnerGroupFor(spec)).toEqual(first);
    expect(groupRequests(sim)).toBe(asked);

    // A changed allow-list reaches the group at the next launch. The new repository is
    // known to Hangar once the installation's repositories are synced.
    const api = (await sim.control.installations())[0]!.repositories.find(
      (r) => r.fullName === "allow/api",
    )!;
    await database.db
      .insertInto("repositories")
      .values({
        github_repository_id: api.id,
        installation_id: tenant.installationId,
        full_name: api.fullName,
        private: true,
      })
      .execute();
    await allowList(spec.runnerId, ["allow/api"]);
    expect(await choice.runnerGroupFor(spec)).toEqual(first);
    expect(await client.listRunnerGroupRepositoryIds("allow", first.id)).toEqual([api.id]);
  });

  it("fails closed, without registering anything, where GitHub refuses custom groups", async () => {
    const { sim, github, spec } = await setup("free", { customRunnerGroups: false });
    const choice = createRunnerGroupChoice({
      db: database.db,
      installation: (id) => github.installation(id),
    });
    await allowList(spec.runnerId, ["free/web"]);
    const failure = await choice.runnerGroupFor(spec).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: "RunnerGroupRefusedError", nonRetryable: true });
    expect((failure as Error).message).toMatch(/no runner is registered in the Default group/);
    expect(sim.stats().requests.some((r) => r.path.includes("generate-jitconfig"))).toBe(false);
  });

  it("refuses an allow-list naming no repository of the installation", async () => {
    const { github, spec } = await setup("stray");
    const choice = createRunnerGroupChoice({
      db: database.db,
      installation: (id) => github.installation(id),
    });
    await allowList(spec.runnerId, ["someone-else/web"]);
    await expect(choice.runnerGroupFor(spec)).rejects.toMatchObject({
      type: "RunnerGroupRefusedError",
      nonRetryable: true,
    });
  });
});
