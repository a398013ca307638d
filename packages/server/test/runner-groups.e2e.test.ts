import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "@hangar/testkit";
import { runnerGroupName } from "../src/domain/runner-group.js";
import { completedOnGitHub } from "./runner-burst.js";
import { startRunnerHarness, type RunnerHarness } from "./runner-harness.js";

// A runner configuration allow-listed to one repository, end to end: its runners
// register in a runner group of its own that admits only that repository, so GitHub
// never gives them a job of another repository of the organisation, however well the
// labels match. Without the group they would sit in the Default group, open to every
// repository of the org.

let h: RunnerHarness;

beforeAll(async () => {
  h = await startRunnerHarness();
});

afterAll(async () => {
  await h.close();
});

describe("repository allow-lists", () => {
  it(
    "keeps another repository's job off the configuration's runners, which run the allow-listed repository's",
    { timeout: 180_000 },
    async () => {
      const { sim, tenant } = h;
      const org = tenant.repository.ownerLogin;
      await sim.control.addRepositories(tenant.installationId, ["api"]);
      const installed = (await sim.control.installations()).find(
        (i) => i.id === tenant.installationId,
      );
      const other = installed?.repositories.find((r) => r.fullName === `${org}/api`);
      expect(other).toBeDefined();

      const label = "hangar-tenant-a";
      const runnerId = await h.addRunner({ name: label, minIdle: 1, maxRunners: 3 });
      await h.database.db
        .updateTable("runners")
        .set({ repositories: [tenant.repository.fullName] })
        .where("id", "=", runnerId)
        .execute();
      await h.startPool(runnerId);
      const idle = await eventually(
        "an idle runner of the configuration online on GitHub",
        async () => {
          const runners = await h.githubRunners(label);
          return runners.find((r) => r.status === "online" && !r.busy);
        },
        60_000,
      );

      // The other repository's job first, so GitHub would offer it first; then the
      // allow-listed repository's. Both carry the configuration's labels.
      const jobs = [{ name: "build", labels: ["self-hosted", label], durationMs: 1_000 }];
      const otherRun = await sim.control.queueWorkflowRun({ repository: `${org}/api`, jobs });
      const [otherJob] = otherRun.jobIds;
      const [ownJob] = await h.queueJobs([{ ...jobs[0]!, name: "own" }]);
      const [own] = await completedOnGitHub(h, [ownJob!], 60_000);
      expect(own).toMatchObject({ conclusion: "success" });
      expect(own!.runnerName).toMatch(new RegExp(`^${label}-`));

      // The other repository's job is still queued, offered to no runner of Hangar's.
      await sim.control.tick();
      const waiting = (await sim.control.jobs()).find((j) => j.id === otherJob);
      expect(waiting).toMatchObject({ status: "queued", runnerId: null, runnerName: null });

      // The group: Hangar's, for exactly the allow-listed repository.
      const client = h.github.installation(tenant.installationId);
      const group = (await client.listRunnerGroups(org)).find(
        (g) => g.name === runnerGroupName(runnerId),
      );
      expect(group).toMatchObject({ visibility: "selected", isDefault: false });
      expect(await client.listRunnerGroupRepositoryIds(org, group!.id)).toEqual([
        tenant.repository.id,
      ]);
      expect(idle.runnerGroupId).toBe(group!.id);
      expect(own!.runnerGroupId).toBe(group!.id);
      for (const runner of await h.githubRunners(label)) {
        expect(runner.runnerGroupId).toBe(group!.id);
      }

      // Its labels were never the obstacle: a runner of the Default group takes it.
      await client.generateJitConfig({
        scope: { org },
        name: "outside-default",
        runnerGroup: { id: 1 },
        labels: [label],
        onConflict: "replace",
      });
      await sim.control.connectRunner("outside-default");
      const [taken] = await completedOnGitHub(h, [otherJob!], 30_000);
      expect(taken).toMatchObject({ conclusion: "success", runnerName: "outside-default" });
      const ownRunners = (await h.instances(runnerId)).map((row) => row.name);
      expect(ownRunners).not.toContain("outside-default");
    },
  );

  it(
    "narrows the group for the idle runner without a new launch, and deletes it with the configuration",
    { timeout: 180_000 },
    async () => {
      const { sim, tenant } = h;
      const db = h.database.db;
      const org = tenant.repository.ownerLogin;
      await sim.control.addRepositories(tenant.installationId, ["docs"]);
      const docs = await eventually(
        "the new repository synced into Hangar",
        () =>
          db
            .selectFrom("repositories")
            .select(["github_repository_id", "full_name"])
            .where("full_name", "=", `${org}/docs`)
            .executeTakeFirst(),
        30_000,
      );

      const label = "hangar-tenant-b";
      const runnerId = await h.addRunner({ name: label, minIdle: 1, maxRunners: 2 });
      const allowList = (repositories: string[]) =>
        db.updateTable("runners").set({ repositories }).where("id", "=", runnerId).execute();
      await allowList([tenant.repository.fullName, `${org}/docs`]);
      await h.startPool(runnerId);
      const idle = await eventually(
        "an idle runner of the configuration online on GitHub",
        async () => (await h.githubRunners(label)).find((r) => r.status === "online" && !r.busy),
        60_000,
      );
      const client = h.github.installation(tenant.installationId);
      const group = (await client.listRunnerGroups(org)).find(
        (g) => g.name === runnerGroupName(runnerId),
      );
      expect(idle.runnerGroupId).toBe(group!.id);
      const both = [tenant.repository.id, Number(docs.github_repository_id)];
      expect(await client.listRunnerGroupRepositoryIds(org, group!.id)).toEqual(
        both.sort((a, b) => a - b),
      );
      const launched = (await h.instances(runnerId)).map((row) => row.name);

      // What UpdateRunner does: commit the narrowed list, then signal the pool.
      await allowList([tenant.repository.fullName]);
      await h.startPool(runnerId);
      await eventually(
        "the group admitting only the allow-listed repository left",
        async () => {
          const ids = await client.listRunnerGroupRepositoryIds(org, group!.id);
          return ids.length === 1 && ids[0] === tenant.repository.id ? ids : undefined;
        },
        30_000,
      );
      expect((await h.instances(runnerId)).map((row) => row.name)).toEqual(launched);

      // The removed repository's job is no longer offered to the idle runner.
      const jobs = [{ name: "docs", labels: ["self-hosted", label], durationMs: 1_000 }];
      const removed = await sim.control.queueWorkflowRun({ repository: `${org}/docs`, jobs });
      await sim.control.tick();
      expect((await sim.control.jobs()).find((j) => j.id === removed.jobIds[0])).toMatchObject({
        status: "queued",
        runnerName: null,
      });
      const still = (await h.githubRunners(label)).find((r) => r.name === idle.name);
      expect(still).toMatchObject({ status: "online", busy: false, runnerGroupId: group!.id });

      // What DeleteRunner does: mark it deleting, then signal the pool, which drains it.
      await db
        .updateTable("runners")
        .set({ status: "deleting" })
        .where("id", "=", runnerId)
        .execute();
      await h.startPool(runnerId);
      await eventually(
        "the configuration deleted and its group gone from GitHub",
        async () => {
          const row = await db
            .selectFrom("runners")
            .select("deleted_at")
            .where("id", "=", runnerId)
            .executeTakeFirstOrThrow();
          if (row.deleted_at === null) return undefined;
          const groups = await client.listRunnerGroups(org);
          return groups.some((g) => g.name === runnerGroupName(runnerId)) ? undefined : groups;
        },
        90_000,
      );
      expect(await h.githubRunners(label)).toEqual([]);
    },
  );
});
