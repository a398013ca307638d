import { durationMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import { completedJob } from "../../storage/test-fixtures.js";
import { bearer, startHarness, type ApiHarness } from "../test/harness.js";

// Every RunnerService RPC against a real database and Temporal: happy paths, validation,
// the NotFound/PermissionDenied rule, audit rows, pool signals, and metrics on a dataset
// whose percentiles are computed by hand below.

let database: TestDatabase;
let temporal: TestTemporal;
let harness: ApiHarness;
const started: string[] = [];

beforeAll(async () => {
  database = await testDatabase();
  temporal = await testTemporal();
  harness = await startHarness({ db: database.db, temporal });
});
afterAll(async () => {
  await harness.stop();
  for (const id of started) {
    await temporal.client.workflow
      .getHandle(id)
      .terminate("test over")
      .catch(() => undefined);
  }
  await temporal.close();
  await database.close();
});

async function refusal(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to fail");
}

function auditRows(objectId: string) {
  return database.db
    .selectFrom("audit_log")
    .selectAll()
    .where("object_id", "=", objectId)
    .orderBy("id")
    .execute();
}

describe("RunnerService", () => {
  it("creates, gets, lists, suspends, resumes and deletes a runner, auditing each change", async () => {
    const client = harness.client("2");
    const member = bearer(harness.tokens.roles.member);
    const { workspaceId, offeringId } = harness.tenant;
    const { runner } = await client.createRunner(
      {
        workspaceId,
        name: "build-large",
        spec: { case: "runnerOfferingId", value: offeringId },
        labels: ["GPU", "gpu", "build-large"],
        repositories: ["acme/app"],
        minIdle: 0,
        maxRunners: 4,
      },
      { headers: { ...member.headers, "x-request-id": "create-1" } },
    );
    expect(runner).toMatchObject({
      name: "build-large",
      workspaceId,
      projectId: harness.tenant.projectId,
      labels: ["gpu"],
      cpu: "4",
      memory: "16Gi",
      maxRunners: 4,
      status: "provisioning",
      isCustom: false,
    });
    const id = runner!.id;
    const [created] = await auditRows(id);
    expect(created).toMatchObject({
      action: "runner.create",
      request_id: "create-1",
      workspace_id: workspaceId,
      object_type: "runner",
    });
    expect(created?.actor).toMatch(/^token:/);
    expect(created?.before).toBeNull();

    const viewer = bearer(harness.tokens.roles.viewer);
    expect((await client.getRunner({ id }, viewer)).runner?.name).toBe("build-large");

    const suspended = await client.suspendRunner({ id }, member);
    expect(suspended.runner).toMatchObject({
      status: "suspended",
      statusMessage: "suspended through the API",
    });
    // Suspending again changes nothing and records nothing.
    await client.suspendRunner({ id }, member);
    const resumed = await client.resumeRunner({ id }, member);
    expect(resumed.runner).toMatchObject({ status: "active", statusMessage: "" });

    const deleted = await client.deleteRunner({ id }, member);
    expect(deleted.runner?.status).toBe("deleting");
    started.push(`pool-${id}`);
    // The pool was started to drain it; no worker runs here, so the signal sits in history.
    const history = await temporal.client.workflow.getHandle(`pool-${id}`).fetchHistory();
    const signals = (history.events ?? []).filter(
      (event) => event.workflowExecutionSignaledEventAttributes,
    );
    expect(
      signals.map((event) => event.workflowExecutionSignaledEventAttributes?.signalName),
    ).toEqual(["reconcile"]);
    expect((await refusal(client.suspendRunner({ id }, member))).code).toBe(
      Code.FailedPrecondition,
    );

    const actions = (await auditRows(id)).map((row) => row.action);
    expect(actions).toEqual(["runner.create", "runner.suspend", "runner.resume", "runner.delete"]);
    const deleteRow = (await auditRows(id)).at(-1);
    expect(deleteRow?.before).toMatchObject({ status: "active" });
    expect(deleteRow?.after).toMatchObject({ status: "deleting" });
  });

  it("creates a custom runner and rejects invalid fields by name", async () => {
    const client = harness.client();
    const admin = bearer(harness.tokens.roles.admin);
    const { workspaceId } = harness.tenant;
    const { runner } = await client.createRunner(
      {
        workspaceId,
        name: "custom-one",
        spec: {
          case: "custom",
          value: { image: "ghcr.io/acme/runner:1.2", cpu: "500m", memory: "1Gi" },
        },
      },
      admin,
    );
    expect(runner).toMatchObject({ isCustom: true, image: "ghcr.io/acme/runner:1.2", cpu: "500m" });

    const invalid: [string, Parameters<typeof client.createRunner>[0], RegExp][] = [
      [
        "name",
        {
          workspaceId,
          name: "Bad_Name",
          spec: { case: "runnerOfferingId", value: harness.tenant.offeringId },
        },
        /name:/,
      ],
      ["spec", { workspaceId, name: "no-spec" }, /runner_offering_id/],
      [
        "cpu",
        {
          workspaceId,
          name: "x1",
          spec: { case: "custom", value: { image: "a/b", cpu: "-1", memory: "1Gi" } },
        },
        /custom\.cpu/,
      ],
      [
        "min_idle",
        {
          workspaceId,
          name: "x2",
          spec: { case: "runnerOfferingId", value: harness.tenant.offeringId },
          minIdle: 5,
          maxRunners: 2,
        },
        /min_idle/,
      ],
      [
        "negative",
        {
          workspaceId,
          name: "x3",
          spec: { case: "runnerOfferingId", value: harness.tenant.offeringId },
          maxRunners: -1,
        },
        /max_runners/,
      ],
      [
        "labels",
        {
          workspaceId,
          name: "x4",
          spec: { case: "runnerOfferingId", value: harness.tenant.offeringId },
          labels: ["a b"],
        },
        /labels\[0\]/,
      ],
      ["workspace", { workspaceId: "not-a-uuid", name: "x5" }, /workspace_id/],
      ["huge", { workspaceId, name: "x".repeat(100_000) }, /name/],
    ];
    for (const [what, request, field] of invalid) {
      const error = await refusal(client.createRunner(request, admin));
      expect(error.code, what).toBe(Code.InvalidArgument);
      expect(error.rawMessage, what).toMatch(field);
    }
    const duplicate = await refusal(
      client.createRunner(
        {
          workspaceId,
          name: "custom-one",
          spec: { case: "runnerOfferingId", value: harness.tenant.offeringId },
        },
        admin,
      ),
    );
    expect(duplicate.code).toBe(Code.AlreadyExists);
  });

  it("hides other workspaces' runners and refuses what a role does not allow", async () => {
    const client = harness.client();
    const { runnerId, workspaceId } = harness.tenant;
    const outsider = bearer(harness.tokens.otherWorkspace);
    const calls = [
      () => client.getRunner({ id: runnerId }, outsider),
      () => client.suspendRunner({ id: runnerId }, outsider),
      () => client.deleteRunner({ id: runnerId }, outsider),
      () => client.listRunners({ workspaceId }, outsider),
      () => client.getRunnerMetrics({ workspaceId, runnerId }, outsider),
      () => client.getRunner({ id: "00000000-0000-4000-8000-000000000000" }, outsider),
    ];
    for (const call of calls) expect((await refusal(call())).code).toBe(Code.NotFound);
    const viewer = bearer(harness.tokens.roles.viewer);
    const denied = await refusal(client.suspendRunner({ id: runnerId }, viewer));
    expect(denied.code).toBe(Code.PermissionDenied);
    // A refused mutation writes no audit row.
    expect(await auditRows(runnerId)).toEqual([]);
  });

  it("lists runners newest first, page by page, with filters", async () => {
    const client = harness.client();
    const { workspaceId, offeringId } = harness.other;
    const outsider = bearer(harness.tokens.otherWorkspace);
    for (let i = 0; i < 5; i += 1) {
      await client.createRunner(
        { workspaceId, name: `page-${i}`, spec: { case: "runnerOfferingId", value: offeringId } },
        outsider,
      );
    }
    const names: string[] = [];
    let pageToken = "";
    do {
      const page = await client.listRunners({ workspaceId, pageSize: 2, pageToken }, outsider);
      expect(page.runners.length).toBeLessThanOrEqual(2);
      names.push(...page.runners.map((runner) => runner.name));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(names).toEqual(["page-4", "page-3", "page-2", "page-1", "page-0", "hangar-4cpu"]);
    const active = await client.listRunners({ workspaceId, status: "active" }, outsider);
    expect(active.runners).toEqual([]);
    const bad = [
      () => client.listRunners({ workspaceId, pageSize: -1 }, outsider),
      () => client.listRunners({ workspaceId, status: "sleeping" }, outsider),
      () => client.listRunners({ workspaceId, pageToken: "garbage" }, outsider),
    ];
    for (const call of bad) expect((await refusal(call())).code).toBe(Code.InvalidArgument);
    // A page token is bound to its filters.
    const first = await client.listRunners({ workspaceId, pageSize: 1 }, outsider);
    const other = await refusal(
      client.listRunners(
        { workspaceId, pageSize: 1, status: "provisioning", pageToken: first.nextPageToken },
        outsider,
      ),
    );
    expect(other.code).toBe(Code.InvalidArgument);
  });

  it("installs runners for a workspace's installation idempotently", async () => {
    const client = harness.client();
    const admin = bearer(harness.tokens.roles.admin);
    const member = bearer(harness.tokens.roles.member);
    const { workspaceId, installationId, offeringId } = harness.tenant;
    const request = { workspaceId, installationId, runnerOfferingIds: [offeringId] };
    expect((await refusal(client.installRunners(request, member))).code).toBe(
      Code.PermissionDenied,
    );
    const first = await client.installRunners(request, admin);
    expect(first.installation?.installationId).toBe(installationId);
    const again = await client.installRunners(request, admin);
    expect(again.runners.map((runner) => runner.id).sort()).toEqual(
      first.runners.map((runner) => runner.id).sort(),
    );
    // The other workspace's installation is not found, not "forbidden".
    const foreign = await refusal(
      client.installRunners({ ...request, installationId: harness.other.installationId }, admin),
    );
    expect(foreign.code).toBe(Code.NotFound);
    expect(
      (await refusal(client.installRunners({ ...request, installationId: 0n }, admin))).code,
    ).toBe(Code.InvalidArgument);
  });

  it("computes exact metrics in PostgreSQL over the window", async () => {
    const tenant = harness.tenant;
    const base = Date.parse("2026-03-01T12:00:00Z");
    const at = (seconds: number) => new Date(base + seconds * 1000).toISOString();
    // Queue times 10, 20, 30, 40 s; run times 60, 120, 180, 240 s; one of each conclusion
    // besides two successes; plus a job outside the window and one of another runner.
    const jobs = [
      { queue: 10, run: 60, conclusion: "success" },
      { queue: 20, run: 120, conclusion: "failure" },
      { queue: 30, run: 180, conclusion: "success" },
      { queue: 40, run: 240, conclusion: "cancelled" },
    ] as const;
    for (const job of jobs) {
      await database.db
        .insertInto("jobs")
        .values(
          completedJob(tenant, {
            conclusion: job.conclusion,
            github_created_at: at(0),
            github_started_at: at(job.queue),
            github_completed_at: at(job.queue + job.run),
          }),
        )
        .execute();
    }
    await database.db
      .insertInto("jobs")
      .values(
        completedJob(tenant, {
          github_created_at: at(-900_000),
          github_started_at: at(-899_000),
          github_completed_at: at(-898_000),
        }),
      )
      .execute();
    const client = harness.client();
    const viewer = bearer(harness.tokens.roles.viewer);
    const metrics = await client.getRunnerMetrics(
      {
        workspaceId: tenant.workspaceId,
        runnerId: tenant.runnerId,
        startTime: timestampFromDate(new Date(base)),
        endTime: timestampFromDate(new Date(base + 3600_000)),
      },
      viewer,
    );
    expect(metrics.totalJobs).toBe(4n);
    expect(metrics.succeededJobs).toBe(2n);
    expect(metrics.failedJobs).toBe(1n);
    expect(metrics.cancelledJobs).toBe(1n);
    expect(metrics.failureRate).toBe(0.25);
    // percentile_cont over 10, 20, 30, 40: p50 = 25, p90 = 30 + 0.7 × 10 = 37.
    expect(durationMs(metrics.queueTimeP50!)).toBe(25_000);
    expect(durationMs(metrics.queueTimeP90!)).toBe(37_000);
    // Over 60, 120, 180, 240: p50 = 150, p90 = 180 + 0.7 × 60 = 222.
    expect(durationMs(metrics.runTimeP50!)).toBe(150_000);
    expect(durationMs(metrics.runTimeP90!)).toBe(222_000);

    const empty = await client.getRunnerMetrics(
      { workspaceId: tenant.workspaceId, workflowName: "nothing-runs-this" },
      viewer,
    );
    expect(empty.totalJobs).toBe(0n);
    expect(empty.failureRate).toBe(0);
    expect(empty.queueTimeP50).toBeUndefined();
    const backwards = await refusal(
      client.getRunnerMetrics(
        {
          workspaceId: tenant.workspaceId,
          startTime: timestampFromDate(new Date(base + 1000)),
          endTime: timestampFromDate(new Date(base)),
        },
        viewer,
      ),
    );
    expect(backwards.code).toBe(Code.InvalidArgument);
  });
});
