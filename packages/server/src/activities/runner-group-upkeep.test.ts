import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@hangar/github-sim";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import { runnerGroupName } from "../domain/runner-group.js";
import { createGitHubApp } from "../github/app-client.js";
import type { GitHubInstallation } from "../github/types.js";
import { createLogger } from "../observability/logger.js";
import { seedTenant, type SeededTenant } from "./jobs-fixtures.js";
import { readConfiguration } from "./runner-configurations.js";
import { createRunnerGroupUpkeep, type RunnerGroupUpkeep } from "./runner-group-upkeep.js";
import { createRunnerGroupChoice, type RunnerGroupChoice } from "./runner-groups.js";
import type { RunnerInstanceSpec } from "./runner-instances.js";

// Runner groups between launches, against PostgreSQL and the GitHub simulator: a
// narrowed allow-list reaches the group (and so the runners already in it) when the
// pool looks at the configuration, the sweep corrects and deletes Hangar's groups, and
// a group with runners in it is never deleted (GitHub would move them to the Default
// group).

const ORG = "upkeep";

interface Setup {
  sim: Simulator;
  tenant: SeededTenant;
  client: GitHubInstallation;
  choice: RunnerGroupChoice;
  upkeep: RunnerGroupUpkeep;
  web: number;
  api: number;
}

let database: TestDatabase;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setup(): Promise<Setup> {
  const sim = await startSimulator({ autoTick: false });
  database = await testDatabase();
  cleanups.push(
    () => sim.close(),
    () => database.close(),
  );
  const installation = await sim.control.createInstallation({
    account: { login: ORG, type: "Organization" },
    repositories: ["web", "api"],
  });
  const [web, api] = installation.repositories;
  const tenant = await seedTenant(database.db, {
    installationId: installation.installationId,
    repository: web!,
    runnerName: `${ORG}-4cpu`,
  });
  await database.db
    .insertInto("repositories")
    .values({
      github_repository_id: api!.id,
      installation_id: tenant.installationId,
      full_name: api!.fullName,
      private: true,
    })
    .execute();
  const github = createGitHubApp({
    apiUrl: sim.url,
    appId: sim.app.id,
    privateKeyPem: sim.app.privateKeyPem,
  });
  const installationOf = (id: number) => github.installation(id);
  const choice = createRunnerGroupChoice({ db: database.db, installation: installationOf });
  const upkeep = createRunnerGroupUpkeep({
    db: database.db,
    installation: installationOf,
    logger: createLogger({ level: "silent" }),
    choice,
  });
  return {
    sim,
    tenant,
    client: github.installation(tenant.installationId),
    choice,
    upkeep,
    web: web!.id,
    api: api!.id,
  };
}

const allowList = (runnerId: string, repositories: string[]) =>
  database.db.updateTable("runners").set({ repositories }).where("id", "=", runnerId).execute();

async function groupOf(s: Setup, runnerId: string) {
  const groups = await s.client.listRunnerGroups(ORG);
  return groups.find((group) => group.name === runnerGroupName(runnerId));
}

/** A runner of the configuration registered in its group and online, as a launch leaves it. */
async function idleRunnerIn(s: Setup, groupId: number, name: string): Promise<void> {
  await s.client.generateJitConfig({
    scope: { org: ORG },
    name,
    runnerGroup: { id: groupId },
    labels: [name],
    onConflict: "replace",
  });
  await s.sim.control.connectRunner(name);
}

const groupRequests = (sim: Simulator) =>
  sim.stats().requests.filter((r) => r.path.includes("/runner-groups")).length;

describe("followAllowList", () => {
  it("narrows the group at once, so an idle runner in it no longer gets the removed repository's job", async () => {
    const s = await setup();
    const runnerId = s.tenant.runnerId;
    await allowList(runnerId, [`${ORG}/web`, `${ORG}/api`]);
    const spec = { runnerId, installationId: s.tenant.installationId, scope: { org: ORG } };
    const { id: groupId } = await s.choice.runnerGroupFor(spec as RunnerInstanceSpec);
    await idleRunnerIn(s, groupId, "idle-1");
    expect(await s.client.listRunnerGroupRepositoryIds(ORG, groupId)).toEqual(
      [s.web, s.api].sort((a, b) => a - b),
    );

    await allowList(runnerId, [`${ORG}/web`]);
    await s.upkeep.followAllowList((await readConfiguration(database.db, runnerId))!);
    expect(await s.client.listRunnerGroupRepositoryIds(ORG, groupId)).toEqual([s.web]);

    // The removed repository's job waits; the allow-listed one's goes to the idle runner.
    const jobs = [{ name: "build", labels: ["self-hosted", "idle-1"] }];
    const removed = await s.sim.control.queueWorkflowRun({ repository: `${ORG}/api`, jobs });
    await s.sim.control.tick();
    expect((await s.sim.control.jobs()).find((j) => j.id === removed.jobIds[0])).toMatchObject({
      status: "queued",
      runnerName: null,
    });
    const kept = await s.sim.control.queueWorkflowRun({ repository: `${ORG}/web`, jobs });
    await s.sim.control.tick();
    expect((await s.sim.control.jobs()).find((j) => j.id === kept.jobIds[0])).toMatchObject({
      runnerName: "idle-1",
    });

    // Looking again at an unchanged configuration asks GitHub nothing.
    const asked = groupRequests(s.sim);
    await s.upkeep.followAllowList((await readConfiguration(database.db, runnerId))!);
    expect(groupRequests(s.sim)).toBe(asked);
  });

  it("creates no group for a configuration that has none yet", async () => {
    const s = await setup();
    await allowList(s.tenant.runnerId, [`${ORG}/web`]);
    await s.upkeep.followAllowList((await readConfiguration(database.db, s.tenant.runnerId))!);
    expect(await groupOf(s, s.tenant.runnerId)).toBeUndefined();
  });
});

describe("removeGroup and sweepGroups", () => {
  it("deletes a drained configuration's group, but not while a runner is in it", async () => {
    const s = await setup();
    const runnerId = s.tenant.runnerId;
    await allowList(runnerId, [`${ORG}/web`]);
    const spec = { runnerId, installationId: s.tenant.installationId, scope: { org: ORG } };
    const { id: groupId } = await s.choice.runnerGroupFor(spec as RunnerInstanceSpec);
    await idleRunnerIn(s, groupId, "left-over");

    expect(await s.upkeep.removeGroup(runnerId)).toEqual({ kind: "occupied", runners: 1 });
    expect(await groupOf(s, runnerId)).toBeDefined();
    const [runner] = await s.sim.control.runners(ORG);
    await s.client.deleteRunner({ org: ORG }, runner!.id);
    expect(await s.upkeep.removeGroup(runnerId)).toEqual({ kind: "deleted" });
    expect(await groupOf(s, runnerId)).toBeUndefined();
    expect(await s.upkeep.removeGroup(runnerId)).toEqual({ kind: "not-found" });

    // The launch trusts the deleted group no more: a new one is made.
    const again = await s.choice.runnerGroupFor(spec as RunnerInstanceSpec);
    expect(again.id).not.toBe(groupId);
    expect((await groupOf(s, runnerId))?.id).toBe(again.id);
  });

  it("corrects a group changed by hand, deletes those of deleted, cleared and unknown configurations", async () => {
    const s = await setup();
    const db = database.db;
    const base = await db
      .selectFrom("runners")
      .selectAll()
      .where("id", "=", s.tenant.runnerId)
      .executeTakeFirstOrThrow();
    const another = async (name: string, fields: { deleted?: boolean; repositories: string[] }) => {
      const row = await db
        .insertInto("runners")
        .values({
          workspace_id: base.workspace_id,
          project_id: base.project_id,
          installation_id: base.installation_id,
          offering_id: base.offering_id,
          labels: [],
          cpu: base.cpu,
          memory: base.memory,
          namespace: base.namespace,
          max_runners: 1,
          name,
          repositories: fields.repositories,
          ...(fields.deleted ? { status: "deleting", deleted_at: new Date() } : {}),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return row.id;
    };
    const listed = s.tenant.runnerId;
    await allowList(listed, [`${ORG}/web`]);
    const deleted = await another("deleted", { deleted: true, repositories: [`${ORG}/web`] });
    const cleared = await another("cleared", { repositories: [] });
    const occupied = await another("occupied", { deleted: true, repositories: [`${ORG}/web`] });
    const gone = randomUUID();
    for (const runnerId of [listed, deleted, cleared, occupied, gone]) {
      await s.client.ensureRunnerGroup(ORG, {
        name: runnerGroupName(runnerId),
        repositoryIds: [s.web, s.api],
      });
    }
    await idleRunnerIn(s, (await groupOf(s, occupied))!.id, "still-here");
    const foreign = await s.sim.control.createRunnerGroup(ORG, "gpu");

    const report = await s.upkeep.sweepGroups();
    expect(report).toEqual({
      groupsReconciled: 1,
      groupsDeleted: 3,
      groupsOccupied: 1,
      groupErrors: 0,
    });
    const left = await s.client.listRunnerGroups(ORG);
    expect(left.map((group) => group.name).sort()).toEqual(
      ["Default", "gpu", runnerGroupName(listed), runnerGroupName(occupied)].sort(),
    );
    expect(left.find((group) => group.name === "gpu")?.id).toBe(foreign.id);
    const listedGroup = left.find((group) => group.name === runnerGroupName(listed))!;
    expect(await s.client.listRunnerGroupRepositoryIds(ORG, listedGroup.id)).toEqual([s.web]);

    // A second round has nothing left to correct.
    expect(await s.upkeep.sweepGroups()).toMatchObject({ groupsReconciled: 0, groupsDeleted: 0 });
  });
});
