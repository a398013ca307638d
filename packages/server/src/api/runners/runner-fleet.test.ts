import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import type { RunnerInstanceState } from "../../storage/schema/runners.js";
import type { JobStatus } from "../../storage/schema/jobs.js";
import { queuedJob } from "../../storage/test-fixtures.js";
import { bearer, startHarness, type ApiHarness } from "../test/harness.js";
import { freshProject, unique } from "../test/fixtures.js";

// Runner.fleet as GetRunner and ListRunners answer it, on a seeded set of instances and
// jobs: the figures written out by hand below, and the same counted straight from the
// tables.

let database: TestDatabase;
let temporal: TestTemporal;
let h: ApiHarness;

beforeAll(async () => {
  database = await testDatabase();
  temporal = await testTemporal();
  h = await startHarness({ db: database.db, temporal });
});
afterAll(async () => {
  await h.stop();
  await temporal.close();
  await database.close();
});

async function runner(
  workspaceId: string,
  projectId: string,
  installationId: bigint,
  minIdle: number,
  maxRunners: number,
) {
  const row = await h.db
    .insertInto("runners")
    .values({
      workspace_id: workspaceId,
      project_id: projectId,
      installation_id: installationId,
      name: unique("fleet"),
      offering_id: h.tenant.offeringId,
      cpu: "4",
      memory: "16Gi",
      min_idle: minIdle,
      max_runners: maxRunners,
      namespace: "hangar-fleet",
      status: "active",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

async function instances(runnerId: string, workspaceId: string, states: RunnerInstanceState[]) {
  const now = Date.now();
  for (const state of states) {
    const registered = !["pending", "registering"].includes(state);
    const ended = state === "terminated" || state === "failed";
    await h.db
      .insertInto("runner_instances")
      .values({
        runner_id: runnerId,
        workspace_id: workspaceId,
        name: unique("instance"),
        labels: [],
        state,
        created_at: new Date(now - 60_000),
        registered_at: registered ? new Date(now - 30_000) : null,
        terminated_at: ended ? new Date(now - 1_000) : null,
        failure_reason: state === "failed" ? "test" : null,
      })
      .execute();
  }
}

async function jobs(runnerId: string, statuses: JobStatus[]) {
  for (const status of statuses) {
    await h.db
      .insertInto("jobs")
      .values(
        queuedJob(h.tenant, {
          runner_id: runnerId,
          status,
          ...(status === "in_progress" || status === "completed"
            ? { github_started_at: "2026-03-01T12:00:10Z" }
            : {}),
          ...(status === "completed"
            ? { conclusion: "success", github_completed_at: "2026-03-01T12:02:40Z" }
            : {}),
        }),
      )
      .execute();
  }
}

/** The same figures, counted without the API's query. */
async function counted(runnerId: string) {
  const { rows } = await sql<{ state: string; n: number }>`
    SELECT state, count(*)::int AS n FROM runner_instances WHERE runner_id = ${runnerId} GROUP BY state
  `.execute(h.db);
  const of = (...states: string[]) =>
    rows.filter((row) => states.includes(row.state)).reduce((sum, row) => sum + row.n, 0);
  const open = await h.db
    .selectFrom("jobs")
    .select("status")
    .where("runner_id", "=", runnerId)
    .execute();
  const limits = await h.db
    .selectFrom("runners")
    .select(["min_idle", "max_runners"])
    .where("id", "=", runnerId)
    .executeTakeFirstOrThrow();
  const assigned = open.filter(
    (job) => job.status === "queued" || job.status === "in_progress",
  ).length;
  return {
    registered: of("idle", "busy"),
    busy: of("busy"),
    idle: of("idle"),
    starting: of("pending", "registering", "terminating"),
    assignedJobs: assigned,
    runningJobs: open.filter((job) => job.status === "in_progress").length,
    desired: Math.min(limits.max_runners, limits.min_idle + assigned),
  };
}

describe("Runner.fleet", () => {
  it("counts each runner's instances and jobs as the tables hold them", async () => {
    // A project of its own, so its list holds only these runners.
    const token = bearer(h.tokens.roles.viewer);
    const { workspaceId, installationId } = h.tenant;
    const projectId = await freshProject(h);
    const busyOne = await runner(workspaceId, projectId, installationId, 1, 5);
    const capped = await runner(workspaceId, projectId, installationId, 2, 3);
    const empty = await runner(workspaceId, projectId, installationId, 0, 4);
    await instances(busyOne, workspaceId, [
      "pending",
      "registering",
      "idle",
      "idle",
      "busy",
      "terminating",
      "terminated",
      "failed",
    ]);
    await jobs(busyOne, ["queued", "queued", "in_progress", "waiting", "completed"]);
    await instances(capped, workspaceId, ["busy", "busy"]);
    await jobs(capped, ["in_progress", "in_progress", "queued"]);

    const expected = {
      [busyOne]: {
        registered: 3,
        busy: 1,
        idle: 2,
        starting: 3,
        assignedJobs: 3,
        runningJobs: 1,
        desired: 4,
      },
      // min_idle 2 + 3 assigned = 5, capped at max_runners 3.
      [capped]: {
        registered: 2,
        busy: 2,
        idle: 0,
        starting: 0,
        assignedJobs: 3,
        runningJobs: 2,
        desired: 3,
      },
      [empty]: {
        registered: 0,
        busy: 0,
        idle: 0,
        starting: 0,
        assignedJobs: 0,
        runningJobs: 0,
        desired: 0,
      },
    };
    const client = h.client();
    for (const [id, fleet] of Object.entries(expected)) {
      expect(await counted(id)).toEqual(fleet);
      const { runner: got } = await client.getRunner({ id }, token);
      expect(got?.fleet, id).toMatchObject(fleet);
    }
    // Two pages, each counted in one query for all of its runners.
    const seen = new Map<string, unknown>();
    let pageToken = "";
    do {
      const page = await client.listRunners(
        { workspaceId, projectId, pageSize: 2, pageToken },
        token,
      );
      for (const item of page.runners) seen.set(item.id, item.fleet);
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(seen.size).toBe(3);
    for (const [id, fleet] of Object.entries(expected)) expect(seen.get(id)).toMatchObject(fleet);
  });
});
