import { randomUUID } from "node:crypto";
import type { Insertable } from "kysely";
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import type { RunnersTable } from "./schema/runners.js";
import { completedJob, createTenant, usageEvent, type Tenant } from "./test-fixtures.js";
import { testDatabase, type TestDatabase } from "@hangar/testkit";

// Tenancy, runner, usage and authorization constraints. Each case starts from a valid
// row and breaks one rule, and asserts the SQLSTATE and the constraint that caught it.

let t: TestDatabase;
let tenant: Tenant;
let other: Tenant;

beforeAll(async () => {
  t = await testDatabase();
  tenant = await createTenant(t.db);
  other = await createTenant(t.db);
});

afterAll(async () => {
  await t.close();
});

function runner(overrides: Partial<Insertable<RunnersTable>> = {}): Insertable<RunnersTable> {
  return {
    workspace_id: tenant.workspaceId,
    project_id: tenant.projectId,
    installation_id: tenant.installationId,
    name: `runner-${randomUUID().slice(0, 8)}`,
    offering_id: tenant.offeringId,
    cpu: "4",
    memory: "16Gi",
    max_runners: 5,
    namespace: "hangar-acme",
    ...overrides,
  };
}

const insertRunner = (row: Insertable<RunnersTable>) =>
  t.db
    .insertInto("runners")
    .values(row)
    .returning(["id", "cpu_millis", "memory_mib", "is_custom"])
    .executeTakeFirstOrThrow();

describe("runners", () => {
  it("accepts an offering runner and a custom one, deriving size and is_custom", async () => {
    await expect(insertRunner(runner())).resolves.toMatchObject({
      cpu_millis: 4000,
      memory_mib: 16384,
      is_custom: false,
    });
    const custom = runner({
      offering_id: null,
      image: "ghcr.io/acme/runner:1.2",
      cpu: "500m",
      memory: "1.5Gi",
    });
    await expect(insertRunner(custom)).resolves.toMatchObject({
      cpu_millis: 500,
      memory_mib: 1536,
      is_custom: true,
    });
  });

  it("rejects a runner with both an offering and a custom image", async () => {
    await expect(insertRunner(runner({ image: "ghcr.io/acme/runner:1.2" }))).rejects.toMatchObject({
      code: "23514",
      constraint: "runners_offering_xor_custom",
    });
  });

  it("rejects a runner with neither an offering nor a custom image", async () => {
    await expect(insertRunner(runner({ offering_id: null }))).rejects.toMatchObject({
      code: "23514",
      constraint: "runners_offering_xor_custom",
    });
  });

  it("rejects max_runners below min_idle, and a negative min_idle", async () => {
    await expect(insertRunner(runner({ min_idle: 3, max_runners: 2 }))).rejects.toMatchObject({
      code: "23514",
      constraint: "runners_max_runners_at_least_min_idle",
    });
    await expect(insertRunner(runner({ min_idle: -1 }))).rejects.toMatchObject({
      code: "23514",
      constraint: "runners_min_idle_check",
    });
  });

  it("rejects a runner in a workspace that does not exist", async () => {
    await expect(insertRunner(runner({ workspace_id: randomUUID() }))).rejects.toMatchObject({
      code: "23503",
      constraint: "runners_workspace_id_fkey",
    });
  });

  it("rejects a runner in one workspace pointing at another workspace's project", async () => {
    await expect(insertRunner(runner({ project_id: other.projectId }))).rejects.toMatchObject({
      code: "23503",
      constraint: "runners_project_fkey",
    });
  });

  it("keeps names unique per workspace among runners that are not deleted", async () => {
    const first = await insertRunner(runner({ name: "gpu" }));
    await expect(insertRunner(runner({ name: "gpu" }))).rejects.toMatchObject({
      code: "23505",
      constraint: "runners_workspace_id_name_key",
    });
    await t.db
      .updateTable("runners")
      .set({ status: "deleting", deleted_at: new Date() })
      .where("id", "=", first.id)
      .execute();
    await expect(insertRunner(runner({ name: "gpu" }))).resolves.toBeDefined();
    // Another workspace's runner may use the name too.
    const elsewhere = runner({
      workspace_id: other.workspaceId,
      project_id: other.projectId,
      installation_id: other.installationId,
      offering_id: other.offeringId,
      name: "gpu",
    });
    await expect(insertRunner(elsewhere)).resolves.toBeDefined();
  });

  it("rejects uppercase labels and invalid Kubernetes quantities", async () => {
    await expect(insertRunner(runner({ labels: ["GPU"] }))).rejects.toMatchObject({
      code: "23514",
      constraint: "runners_labels_check",
    });
    await expect(insertRunner(runner({ memory: "16GB" }))).rejects.toMatchObject({
      code: "23514",
      constraint: "runners_memory_check",
    });
  });
});

describe("usage_events", () => {
  it("rejects a second usage event for the same job", async () => {
    const job = await t.db
      .insertInto("jobs")
      .values(completedJob(tenant))
      .returning("github_job_id")
      .executeTakeFirstOrThrow();
    await t.db.insertInto("usage_events").values(usageEvent(tenant, job.github_job_id)).execute();

    await expect(
      t.db.insertInto("usage_events").values(usageEvent(tenant, job.github_job_id)).execute(),
    ).rejects.toMatchObject({ code: "23505", constraint: "usage_events_pkey" });
  });

  it("rejects an amount that is not minutes times unit price", async () => {
    const job = await t.db
      .insertInto("jobs")
      .values(completedJob(tenant))
      .returning("github_job_id")
      .executeTakeFirstOrThrow();
    const event = { ...usageEvent(tenant, job.github_job_id), amount: "0.025000" };
    await expect(t.db.insertInto("usage_events").values(event).execute()).rejects.toMatchObject({
      code: "23514",
      constraint: "usage_events_amount_is_minutes_times_price",
    });
  });

  it("refuses to delete a workspace that has usage: usage is never cascaded away", async () => {
    const billed = await createTenant(t.db);
    const job = await t.db
      .insertInto("jobs")
      .values(completedJob(billed))
      .returning("github_job_id")
      .executeTakeFirstOrThrow();
    await t.db.insertInto("usage_events").values(usageEvent(billed, job.github_job_id)).execute();

    await expect(
      t.db.deleteFrom("workspaces").where("id", "=", billed.workspaceId).execute(),
    ).rejects.toMatchObject({ code: "23503" });
    const left = await t.db
      .selectFrom("usage_events")
      .select("github_job_id")
      .where("workspace_id", "=", billed.workspaceId)
      .execute();
    expect(left).toHaveLength(1);
  });

  it("has no foreign key that would cascade a delete into history", async () => {
    const { rows } = await t.pool.query<{ name: string }>(
      `SELECT conname AS name FROM pg_constraint
        WHERE contype = 'f' AND confdeltype = 'c'
          AND conrelid::regclass::text IN ('usage_events', 'usage_daily', 'jobs',
            'workflow_runs', 'runner_instances', 'audit_log', 'runner_offering_prices')`,
    );
    expect(rows).toEqual([]);
  });

  it("lets a workspace without history be deleted, cascading its configuration", async () => {
    const empty = await createTenant(t.db);
    await t.db.deleteFrom("runners").where("workspace_id", "=", empty.workspaceId).execute();
    await t.db
      .deleteFrom("repositories")
      .where("installation_id", "=", empty.installationId)
      .execute();
    await t.db
      .deleteFrom("github_installations")
      .where("installation_id", "=", empty.installationId)
      .execute();

    await t.db.deleteFrom("workspaces").where("id", "=", empty.workspaceId).execute();
    const projects = await t.db
      .selectFrom("projects")
      .select("id")
      .where("workspace_id", "=", empty.workspaceId)
      .execute();
    expect(projects).toEqual([]);
  });
});

describe("relation_tuples", () => {
  const direct = {
    namespace: "workspace",
    object: "w1",
    relation: "admin",
    subject_id: "user:u1",
  };
  const subjectSet = {
    namespace: "runner",
    object: "r1",
    relation: "parent",
    subject_set_namespace: "project",
    subject_set_object: "p1",
    subject_set_relation: "",
  };

  it("rejects a duplicate tuple even though its unused subject columns are NULL", async () => {
    await t.db.insertInto("relation_tuples").values([direct, subjectSet]).execute();
    await expect(t.db.insertInto("relation_tuples").values(direct).execute()).rejects.toMatchObject(
      {
        code: "23505",
        constraint: "relation_tuples_key",
      },
    );
    await expect(
      t.db.insertInto("relation_tuples").values(subjectSet).execute(),
    ).rejects.toMatchObject({
      code: "23505",
      constraint: "relation_tuples_key",
    });
  });

  it("rejects a tuple with both subject forms, or with neither", async () => {
    const both = { ...subjectSet, object: "r2", subject_id: "user:u1" };
    await expect(t.db.insertInto("relation_tuples").values(both).execute()).rejects.toMatchObject({
      code: "23514",
      constraint: "relation_tuples_one_subject_form",
    });
    const partialSet = { ...subjectSet, object: "r3", subject_set_relation: null };
    await expect(
      t.db.insertInto("relation_tuples").values(partialSet).execute(),
    ).rejects.toMatchObject({
      code: "23514",
      constraint: "relation_tuples_one_subject_form",
    });
  });
});
