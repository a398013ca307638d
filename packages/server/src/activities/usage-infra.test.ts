import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import { createRunnerInstanceActivities } from "./runner-instances.js";
import { createTenant, type Tenant } from "../storage/test-fixtures.js";

// Runner infrastructure time (0010_usage_rounding_infra.sql): one runner_infra_usage row
// per instance, written when it ends, whichever writer ends it, with its lifetime split
// into boot, idle and busy time, and the daily totals moved once.

let t: TestDatabase;
let tenant: Tenant;

beforeAll(async () => {
  t = await testDatabase();
  tenant = await createTenant(t.db);
});

afterAll(async () => {
  await t.close();
});

async function infraOf(instanceId: string) {
  return t.db
    .selectFrom("runner_infra_usage")
    .selectAll()
    .where("runner_instance_id", "=", instanceId)
    .execute();
}

async function dailyOf(workspaceId: string) {
  return t.db
    .selectFrom("runner_infra_daily")
    .select(["day", "offering_id", "instance_count", "boot_ms", "idle_ms", "busy_ms"])
    .where("workspace_id", "=", workspaceId)
    .orderBy("day")
    .orderBy("offering_id")
    .execute();
}

/** An instance row with fixed times, as the runner workflows would have left it. */
async function instance(
  owner: Tenant,
  name: string,
  times: { created: string; registered?: string; jobStarted?: string },
  runnerId = owner.runnerId,
): Promise<string> {
  const row = await t.db
    .insertInto("runner_instances")
    .values({
      runner_id: runnerId,
      workspace_id: owner.workspaceId,
      name,
      labels: ["hangar-4cpu"],
      state: times.jobStarted ? "busy" : times.registered ? "idle" : "registering",
      created_at: times.created,
      registered_at: times.registered ?? null,
      job_started_at: times.jobStarted ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

describe("runner infrastructure time", () => {
  it("is recorded once when the instance's own teardown finishes it", async () => {
    const activities = createRunnerInstanceActivities({ db: t.db });
    const name = "hangar-4cpu-infra-own";
    const admitted = await activities.admitRunnerInstance({
      runnerId: tenant.runnerId,
      instanceName: name,
    });
    expect(admitted.kind).toBe("admitted");
    await activities.recordRunnerInstanceState({ instanceName: name, state: "idle" });
    await activities.recordRunnerInstanceState({ instanceName: name, state: "busy" });
    await activities.recordRunnerInstanceState({ instanceName: name, state: "terminating" });
    expect(await t.db.selectFrom("runner_infra_usage").selectAll().execute()).toEqual([]);

    const outcome = { kind: "completed", jobId: null } as const;
    await activities.finishRunnerInstance({ instanceName: name, outcome });
    // A retried activity, and the sweep closing a row that is already closed.
    await activities.finishRunnerInstance({ instanceName: name, outcome });
    await t.db
      .updateTable("runner_instances")
      .set({ state: "failed", failure_reason: "abandoned: late sweep" })
      .where("name", "=", name)
      .execute();

    const row = await t.db
      .selectFrom("runner_instances")
      .select(["id", "created_at", "terminated_at"])
      .where("name", "=", name)
      .executeTakeFirstOrThrow();
    const [infra, ...more] = await infraOf(row.id);
    expect(more).toEqual([]);
    expect(infra).toMatchObject({
      workspace_id: tenant.workspaceId,
      runner_id: tenant.runnerId,
      offering_id: tenant.offeringId,
      cpu_millis: 4000,
      memory_mib: 16_384,
      outcome: "terminated",
    });
    const recorded = infra!.ended_at.getTime() - infra!.started_at.getTime();
    expect(Number(infra!.boot_ms + infra!.idle_ms + infra!.busy_ms)).toBe(recorded);
    // The row's times are microseconds; the ledger's are cut to milliseconds.
    const lifetime = (row.terminated_at?.getTime() ?? 0) - row.created_at.getTime();
    expect(Math.abs(recorded - lifetime)).toBeLessThanOrEqual(1);
    const [day] = await dailyOf(tenant.workspaceId);
    expect(day).toMatchObject({
      instance_count: 1,
      boot_ms: infra!.boot_ms,
      idle_ms: infra!.idle_ms,
      busy_ms: infra!.busy_ms,
    });
  });

  it("splits a lifetime into boot, idle and busy time and sums the days per offering", async () => {
    const owner = await createTenant(t.db);
    const { id: customRunner } = await t.db
      .insertInto("runners")
      .values({
        workspace_id: owner.workspaceId,
        project_id: owner.projectId,
        installation_id: owner.installationId,
        name: "custom-2cpu",
        image: "registry.example.com/runner:1",
        cpu: "2",
        memory: "4Gi",
        max_runners: 2,
        namespace: "hangar-custom",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    // Booted 30.5 s, idle 29.5 s, busy 4 min.
    const busy = await instance(owner, "i-busy", {
      created: "2026-03-10T12:00:00.000Z",
      registered: "2026-03-10T12:00:30.500Z",
      jobStarted: "2026-03-10T12:01:00.000Z",
    });
    // Registered, never took a job: idle until retired.
    const idle = await instance(owner, "i-idle", {
      created: "2026-03-10T13:00:00.000Z",
      registered: "2026-03-10T13:00:20.000Z",
    });
    // Never registered; its failure is all boot time. GitHub's job start before the
    // registration (clock skew) is clamped, never negative.
    const failed = await instance(
      owner,
      "i-failed",
      { created: "2026-03-11T08:00:00.000Z" },
      customRunner,
    );
    const skewed = await instance(owner, "i-skewed", {
      created: "2026-03-11T09:00:00.000Z",
      registered: "2026-03-11T09:00:10.000Z",
      jobStarted: "2026-03-11T08:59:00.000Z",
    });
    const end = (name: string, at: string, failure: string | null = null) =>
      t.db
        .updateTable("runner_instances")
        .set({
          state: failure === null ? "terminated" : "failed",
          failure_reason: failure,
          terminated_at: at,
        })
        .where("name", "=", name)
        .execute();
    await end("i-busy", "2026-03-10T12:05:00.000Z");
    await end("i-idle", "2026-03-10T13:05:20.000Z");
    await end("i-failed", "2026-03-11T08:05:00.000Z", "did not register within 5 minutes");
    await end("i-skewed", "2026-03-11T09:01:10.000Z");

    const parts = async (id: string) => {
      const [row] = await infraOf(id);
      return [row?.boot_ms, row?.idle_ms, row?.busy_ms].map(Number);
    };
    expect(await parts(busy)).toEqual([30_500, 29_500, 240_000]);
    expect(await parts(idle)).toEqual([20_000, 300_000, 0]);
    expect(await parts(failed)).toEqual([300_000, 0, 0]);
    expect(await parts(skewed)).toEqual([10_000, 0, 60_000]);
    expect((await infraOf(failed))[0]).toMatchObject({
      offering_id: null,
      outcome: "failed",
      cpu_millis: 2000,
      memory_mib: 4096,
    });
    expect(await dailyOf(owner.workspaceId)).toEqual([
      {
        day: "2026-03-10",
        offering_id: owner.offeringId,
        instance_count: 2,
        boot_ms: 50_500n,
        idle_ms: 329_500n,
        busy_ms: 240_000n,
      },
      {
        day: "2026-03-11",
        offering_id: owner.offeringId,
        instance_count: 1,
        boot_ms: 10_000n,
        idle_ms: 0n,
        busy_ms: 60_000n,
      },
      {
        day: "2026-03-11",
        offering_id: null,
        instance_count: 1,
        boot_ms: 300_000n,
        idle_ms: 0n,
        busy_ms: 0n,
      },
    ]);
  });
});
