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
});
