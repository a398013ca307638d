import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import { defaultRunnerTimings } from "../domain/runner-pool.js";
import { workflowIds } from "../domain/workflow-names.js";
import { createTenant, queuedJob, type Tenant } from "../storage/test-fixtures.js";
import { createFirstRunnerStart } from "./runner-first-start.js";

// The first runner of a queued job, against real PostgreSQL and Temporal (no worker polls
// the task queue: the started instance workflow is only looked at, never run).

let t: TestDatabase;
let temporal: TestTemporal;

beforeAll(async () => {
  [t, temporal] = await Promise.all([testDatabase(), testTemporal()]);
});

afterAll(async () => {
  await Promise.all([t.close(), temporal.close()]);
});

function firstRunner() {
  return createFirstRunnerStart({
    db: t.db,
    temporal: temporal.client,
    taskQueue: temporal.taskQueue,
    timings: defaultRunnerTimings,
  });
}

// Job ids of this run's own: instance workflow ids are made from them, and Temporal
// keeps the workflows of earlier runs.
let jobIds = Date.now() * 1000;

/** A job of the tenant queued just now. */
async function queued(tenant: Tenant, overrides: { runner_name?: string } = {}): Promise<number> {
  jobIds += 1;
  const row = await t.db
    .insertInto("jobs")
    .values(
      queuedJob(tenant, { github_job_id: jobIds, github_created_at: new Date(), ...overrides }),
    )
    .returning("github_job_id")
    .executeTakeFirstOrThrow();
  return Number(row.github_job_id);
}

async function instances(tenant: Tenant) {
  return t.db
    .selectFrom("runner_instances")
    .select(["name", "state"])
    .where("runner_id", "=", tenant.runnerId)
    .orderBy("created_at")
    .execute();
}

async function addInstance(tenant: Tenant, name: string, state: "idle" | "failed" | "busy") {
  await t.db
    .insertInto("runner_instances")
    .values({
      runner_id: tenant.runnerId,
      workspace_id: tenant.workspaceId,
      name,
      labels: ["hangar-4cpu"],
      state,
      ...(state === "failed" ? { terminated_at: new Date(), failure_reason: "pod failed" } : {}),
    })
    .execute();
}

describe("admitFirstRunner", () => {
  it("admits and starts one runner named after the job, the same one when asked again", async () => {
    const tenant = await createTenant(t.db);
    const jobId = await queued(tenant);
    const admit = firstRunner();

    const first = await admit({ runnerId: tenant.runnerId, jobId });
    const again = await admit({ runnerId: tenant.runnerId, jobId });
    if (!("start" in first) || !("start" in again)) throw new Error("expected an admission");
    await Promise.all([first.start(), again.start()]);

    expect(again.name).toBe(first.name);
    expect(first.name).toMatch(/^hangar-4cpu-[0-9a-f]+$/);
    expect(await instances(tenant)).toEqual([{ name: first.name, state: "pending" }]);
    const described = await temporal.client.workflow
      .getHandle(workflowIds.runnerInstance(first.name))
      .describe();
    expect(described.status.name).toBe("RUNNING");
    await temporal.client.workflow.getHandle(workflowIds.runnerInstance(first.name)).terminate();
  });

  it("starts one more for each queued job beyond the runners ready or coming", async () => {
    const tenant = await createTenant(t.db);
    await addInstance(tenant, "hangar-4cpu-idle1", "idle");
    const admit = firstRunner();

    // One idle runner, one queued job: it is this job's.
    const covered = await admit({ runnerId: tenant.runnerId, jobId: await queued(tenant) });
    expect(covered).toEqual({ skipped: "the queued jobs have runners ready or on their way" });
    // A second queued job outnumbers the idle runner.
    const short = await admit({ runnerId: tenant.runnerId, jobId: await queued(tenant) });
    expect("name" in short).toBe(true);
    // A runner a job has named is taken, even while its own record still says idle.
    const other = await createTenant(t.db);
    await addInstance(other, "hangar-4cpu-taken", "idle");
    await queued(other, { runner_name: "hangar-4cpu-taken" });
    const taken = await admit({ runnerId: other.runnerId, jobId: await queued(other) });
    expect("name" in taken).toBe(true);
  });

  it("leaves the start to the pool after a recent failure or while the configuration is in error", async () => {
    const failing = await createTenant(t.db);
    await addInstance(failing, "hangar-4cpu-broken", "failed");
    expect(
      await firstRunner()({ runnerId: failing.runnerId, jobId: await queued(failing) }),
    ).toEqual({ skipped: "a runner failed recently" });

    const halted = await createTenant(t.db);
    await t.db
      .updateTable("runners")
      .set({ status: "error", status_message: "5 failed starts" })
      .where("id", "=", halted.runnerId)
      .execute();
    expect(await firstRunner()({ runnerId: halted.runnerId, jobId: await queued(halted) })).toEqual(
      { skipped: "the configuration is in error" },
    );
    expect(await instances(failing)).toHaveLength(1);
    expect(await instances(halted)).toEqual([]);
  });

  it("never exceeds maxRunners, one job after another or all at once", async () => {
    const admit = firstRunner();
    const capped = async () => {
      const tenant = await createTenant(t.db);
      await t.db
        .updateTable("runners")
        .set({ max_runners: 3 })
        .where("id", "=", tenant.runnerId)
        .execute();
      return { tenant, jobs: await Promise.all(Array.from({ length: 8 }, () => queued(tenant))) };
    };

    const one = await capped();
    const results = [];
    for (const jobId of one.jobs)
      results.push(await admit({ runnerId: one.tenant.runnerId, jobId }));
    expect(results.filter((result) => "name" in result)).toHaveLength(3);
    expect(results.at(-1)).toEqual({
      skipped: "the runner configuration allows 3 runners at once",
    });

    // At once, the jobs that find the workspace's lock taken leave their runner to the
    // pool rather than wait for it.
    const all = await capped();
    const together = await Promise.all(
      all.jobs.map((jobId) => admit({ runnerId: all.tenant.runnerId, jobId })),
    );
    const admitted = together.filter((result) => "name" in result).length;
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(admitted).toBeLessThanOrEqual(3);
    expect(await instances(all.tenant)).toHaveLength(admitted);
  });
});
