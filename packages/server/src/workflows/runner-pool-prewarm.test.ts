import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "@hangar/testkit";
import { startRunnerHarness, type RunnerHarness } from "../../test/runner-harness.js";

// Pre-warming from workflow-file analysis, end to end: a push of workflow files reaches
// Hangar as a webhook, the workflow-files workflow stores each job's runs-on labels and
// tells the installation's pre-warming pools, and the pool keeps as many idle runners
// as the files have jobs its runners would take, within its cap; when the jobs go, so
// do the runners.

let h: RunnerHarness;

beforeAll(async () => {
  h = await startRunnerHarness();
});

afterAll(async () => {
  await h.close();
});

const live = new Set(["pending", "registering", "idle", "busy", "terminating"]);

async function idleRunners(runnerId: string, count: number): Promise<true | undefined> {
  const rows = await h.instances(runnerId);
  const alive = rows.filter((row) => live.has(row.state));
  return alive.length === count && alive.every((row) => row.state === "idle") ? true : undefined;
}

async function push(content: string): Promise<void> {
  await h.sim.control.pushWorkflowFile({
    repository: h.tenant.repository.fullName,
    path: ".github/workflows/ci.yml",
    content,
  });
}

describe("runner pool pre-warming", () => {
  it("keeps idle runners for the jobs the pushed workflow files define, within its cap", async () => {
    const runnerId = await h.addRunner({ name: "hangar-pw", maxRunners: 10 });
    await h.database.db
      .updateTable("runners")
      .set({ prewarm_max_idle: 4 })
      .where("id", "=", runnerId)
      .execute();

    // Three jobs for it: one, and a matrix of two. The others are not its jobs: a
    // GitHub-hosted one, one whose labels are an expression, one it lacks a label for.
    await push(
      [
        "on: push",
        "jobs:",
        "  build: { runs-on: [self-hosted, linux, x64, hangar-pw] }",
        "  test:",
        "    runs-on: hangar-pw",
        "    strategy: { matrix: { node: [20, 22] } }",
        "  lint: { runs-on: ubuntu-latest }",
        "  dynamic: { runs-on: '${{ matrix.os }}' }",
        "  arm: { runs-on: [hangar-pw, arm64] }",
      ].join("\n"),
    );
    // The push itself starts the pool: nothing else has asked for it.
    await eventually("three idle runners", () => idleRunners(runnerId, 3), 60_000);
    const stored = await h.database.db
      .selectFrom("repositories")
      .select("workflow_jobs")
      .where("github_repository_id", "=", BigInt(h.tenant.repository.id))
      .executeTakeFirstOrThrow();
    expect(stored.workflow_jobs).toEqual([
      { labels: ["arm64", "hangar-pw"], jobs: 1 },
      { labels: ["hangar-pw"], jobs: 2 },
      { labels: ["hangar-pw", "linux", "self-hosted", "x64"], jobs: 1 },
      { labels: ["ubuntu-latest"], jobs: 1 },
    ]);
    const registered = await h.githubRunners("hangar-pw");
    expect(registered.filter((r) => r.status === "online" && !r.busy)).toHaveLength(3);

    // Seven jobs now: the cap of four holds.
    await push(
      [
        "on: push",
        "jobs:",
        "  build: { runs-on: hangar-pw }",
        "  test:",
        "    runs-on: hangar-pw",
        "    strategy: { matrix: { node: [18, 20, 22], os: [a, b] } }",
      ].join("\n"),
    );
    await eventually("four idle runners", () => idleRunners(runnerId, 4), 60_000);

    // The jobs move elsewhere: the surplus runners retire after the idle timeout.
    await push("on: push\njobs:\n  build: { runs-on: ubuntu-latest }\n");
    await eventually("no runner left", () => idleRunners(runnerId, 0), 60_000);
    const ended = await h.instances(runnerId);
    expect(ended.length).toBeGreaterThanOrEqual(4);
    expect(ended.filter((row) => row.state === "failed")).toEqual([]);
    expect(ended.filter((row) => row.github_job_id !== null)).toEqual([]);
    expect(await h.pods(runnerId)).toEqual([]);
  });
});
