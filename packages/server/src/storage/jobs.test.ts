import { sql, type Insertable } from "kysely";
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import type { JobsTable } from "./schema/jobs.js";
import { completedJob, createTenant, queuedJob, type Tenant } from "./test-fixtures.js";
import { testDatabase, type TestDatabase } from "@hangar/testkit";

// The jobs table keeps GitHub's reports honest: valid states only, timestamps that make
// sense, derived durations, and a status that only moves forward.

let t: TestDatabase;
let tenant: Tenant;

beforeAll(async () => {
  t = await testDatabase();
  tenant = await createTenant(t.db);
});

afterAll(async () => {
  await t.close();
});

const insertJob = (overrides: Partial<Insertable<JobsTable>>, build = queuedJob) =>
  t.db.insertInto("jobs").values(build(tenant, overrides)).returningAll().executeTakeFirstOrThrow();

describe("jobs constraints", () => {
  it("rejects a second row for the same workflow_job.id", async () => {
    const job = await insertJob({});
    await expect(insertJob({ github_job_id: job.github_job_id })).rejects.toMatchObject({
      code: "23505",
      constraint: "jobs_pkey",
    });
  });

  it("rejects a status or conclusion GitHub does not have", async () => {
    const job = await insertJob({});
    await expect(
      sql`UPDATE jobs SET status = 'running' WHERE github_job_id = ${job.github_job_id}`.execute(
        t.db,
      ),
    ).rejects.toMatchObject({ code: "23514", constraint: "jobs_status_check" });
    const done = await insertJob({}, completedJob);
    await expect(
      sql`UPDATE jobs SET conclusion = 'passed' WHERE github_job_id = ${done.github_job_id}`.execute(
        t.db,
      ),
    ).rejects.toMatchObject({ code: "23514", constraint: "jobs_conclusion_check" });
  });

  it("rejects a conclusion on a job that has not completed", async () => {
    await expect(
      insertJob({
        status: "in_progress",
        conclusion: "success",
        github_started_at: "2026-03-01T12:00:05Z",
      }),
    ).rejects.toMatchObject({ code: "23514", constraint: "jobs_conclusion_only_when_completed" });
  });

  it("rejects a completed job without completed_at", async () => {
    await expect(insertJob({ github_completed_at: null }, completedJob)).rejects.toMatchObject({
      code: "23514",
      constraint: "jobs_completed_has_completed_at",
    });
  });

  it("rejects time running backwards, but accepts GitHub's equal timestamps", async () => {
    await expect(
      insertJob({ github_started_at: "2026-03-01T11:59:59Z" }, completedJob),
    ).rejects.toMatchObject({ code: "23514", constraint: "jobs_started_not_before_created" });
    await expect(
      insertJob({ github_completed_at: "2026-03-01T12:00:09Z" }, completedJob),
    ).rejects.toMatchObject({ code: "23514", constraint: "jobs_completed_not_before_started" });

    // A skipped job: created, started and completed in the same second.
    const skipped = await insertJob(
      {
        conclusion: "skipped",
        github_started_at: "2026-03-01T12:00:00Z",
        github_completed_at: "2026-03-01T12:00:00Z",
      },
      completedJob,
    );
    expect(skipped).toMatchObject({ queue_seconds: 0, run_seconds: 0 });
  });
});

describe("jobs derived columns", () => {
  it("derives queue and run seconds from GitHub's timestamps once both ends are known", async () => {
    const job = await insertJob({});
    expect(job).toMatchObject({ status_rank: 1, queue_seconds: null, run_seconds: null });

    const started = await t.db
      .updateTable("jobs")
      .set({ status: "in_progress", github_started_at: "2026-03-01T12:00:10.250Z" })
      .where("github_job_id", "=", job.github_job_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(started).toMatchObject({ status_rank: 3, queue_seconds: 10.25, run_seconds: null });

    const done = await t.db
      .updateTable("jobs")
      .set({
        status: "completed",
        conclusion: "success",
        github_completed_at: "2026-03-01T12:02:40Z",
      })
      .where("github_job_id", "=", job.github_job_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(done).toMatchObject({ status_rank: 4, queue_seconds: 10.25, run_seconds: 149.75 });
  });

  it("reads GitHub ids back as bigint, exactly", async () => {
    const id = 2n ** 53n + 1n; // not representable as a JS number
    const job = await insertJob({ github_job_id: id, runner_group_id: 1 });
    expect(job.github_job_id).toBe(id);
    expect(job.runner_group_id).toBe(1n);
  });
});

describe("forward-only status", () => {
  it("lets an upsert guarded by status_rank ignore late and duplicate events", async () => {
    const done = completedJob(tenant);
    await t.db.insertInto("jobs").values(done).execute();

    // A late in_progress after completed: the guard makes it a no-op.
    const late = {
      ...done,
      status: "in_progress" as const,
      conclusion: null,
      github_completed_at: null,
    };
    const result = await t.db
      .insertInto("jobs")
      .values(late)
      .onConflict((oc) =>
        oc
          .column("github_job_id")
          .doUpdateSet({ status: (eb) => eb.ref("excluded.status") })
          .where("jobs.status_rank", "<", sql<number>`job_status_rank(excluded.status)`),
      )
      .executeTakeFirst();
    expect(result.numInsertedOrUpdatedRows).toBe(0n);

    const row = await t.db
      .selectFrom("jobs")
      .selectAll()
      .where("github_job_id", "=", BigInt(done.github_job_id))
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "completed", conclusion: "success" });
  });

  it("refuses an unguarded update that moves a job backwards", async () => {
    const job = await insertJob({}, completedJob);
    await expect(
      t.db
        .updateTable("jobs")
        .set({ status: "queued", conclusion: null })
        .where("github_job_id", "=", job.github_job_id)
        .execute(),
    ).rejects.toMatchObject({ code: "23514", constraint: "jobs_status_forward_only" });
  });

  it("maintains updated_at on real changes only", async () => {
    const job = await insertJob({});
    await sql`SELECT pg_sleep(0.01)`.execute(t.db);
    const same = await t.db
      .updateTable("jobs")
      .set({ status: "queued" })
      .where("github_job_id", "=", job.github_job_id)
      .returning("updated_at")
      .executeTakeFirstOrThrow();
    expect(same.updated_at).toEqual(job.updated_at);

    const moved = await t.db
      .updateTable("jobs")
      .set({ status: "waiting" })
      .where("github_job_id", "=", job.github_job_id)
      .returning("updated_at")
      .executeTakeFirstOrThrow();
    expect(moved.updated_at.getTime()).toBeGreaterThan(job.updated_at.getTime());
  });
});
