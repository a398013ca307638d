import { testDatabase, type TestDatabase } from "@hangar/testkit";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInstallationActivities } from "../activities/installation.js";
import { createJobActivities } from "../activities/jobs.js";
import { jobEventArgs } from "../activities/jobs-fixtures.js";
import { createLabelMatcher } from "../intake/label-matcher.js";
import { createTenant } from "../storage/test-fixtures.js";
import { DemoTenantError, ensureDemoTenant, type DemoTenantInput } from "./demo-tenant.js";

// The demo tenant `npm start` creates, against a real database: the first start creates
// it, every later start finds it, and the jobs the demo queues are Hangar's to serve.

let t: TestDatabase;
const installationId = 40_000;
const input: DemoTenantInput = {
  installationId,
  account: { login: "demo-org", id: 9_001, type: "Organization" },
  namespacePrefix: "hangar-",
};

beforeAll(async () => {
  t = await testDatabase();
});

afterAll(async () => {
  await t.close();
});

const count = async (table: "workspaces" | "projects" | "runner_offerings" | "runners") => {
  const row = await t.db
    .selectFrom(table)
    .select(sql<number>`count(*)::int`.as("n"))
    .executeTakeFirstOrThrow();
  return row.n;
};

describe("ensureDemoTenant", () => {
  it("creates the workspace, its default project, the link, the offering and the runner configuration", async () => {
    const tenant = await ensureDemoTenant(t.db, input);
    expect(tenant.created).toEqual([
      "workspace",
      "default project",
      "installation link",
      "runner offering",
      "runner configuration",
    ]);
    expect(tenant.namespace).toBe("hangar-demo");
    expect(tenant.runner).toMatchObject({
      name: "hangar-small",
      cpu: "500m",
      memory: "512Mi",
      minIdle: 1,
      maxRunners: 5,
    });

    const installation = await t.db
      .selectFrom("github_installations")
      .selectAll()
      .where("installation_id", "=", BigInt(installationId))
      .executeTakeFirstOrThrow();
    expect(installation).toMatchObject({
      workspace_id: tenant.workspaceId,
      account_login: "demo-org",
      account_id: 9_001n,
      state: "active",
    });
    const runner = await t.db
      .selectFrom("runners")
      .selectAll()
      .where("id", "=", tenant.runner.id)
      .executeTakeFirstOrThrow();
    expect(runner).toMatchObject({
      workspace_id: tenant.workspaceId,
      project_id: tenant.projectId,
      installation_id: BigInt(installationId),
      offering_id: "linux-x64-small",
      cpu_millis: 500,
      memory_mib: 512,
      namespace: "hangar-demo",
      deleted_at: null,
    });
  });

  it("finds the same tenant on every later start and creates nothing twice", async () => {
    const first = await ensureDemoTenant(t.db, input);
    const again = await ensureDemoTenant(t.db, input);
    expect(again.created).toEqual([]);
    expect(again).toEqual(first);
    expect(await count("workspaces")).toBe(1);
    expect(await count("projects")).toBe(1);
    expect(await count("runner_offerings")).toBe(1);
    expect(await count("runners")).toBe(1);
  });

  it("keeps what was changed since, and the link through the installation workflow's upsert", async () => {
    const tenant = await ensureDemoTenant(t.db, input);
    await t.db
      .updateTable("runners")
      .set({ min_idle: 2, max_runners: 8 })
      .where("id", "=", tenant.runner.id)
      .execute();
    // The `installation.created` event arriving after the link must not undo it.
    await createInstallationActivities({ db: t.db, github: null }).upsertInstallation({
      installationId,
      account: { login: "demo-org", id: 9_001, type: "Organization" },
      repositorySelection: "selected",
      repositories: [{ id: 700_000, name: "web", fullName: "demo-org/web", private: true }],
    });

    const again = await ensureDemoTenant(t.db, input);
    expect(again.runner).toMatchObject({ minIdle: 2, maxRunners: 8 });
    const installation = await t.db
      .selectFrom("github_installations")
      .select("workspace_id")
      .where("installation_id", "=", BigInt(installationId))
      .executeTakeFirstOrThrow();
    expect(installation.workspace_id).toBe(tenant.workspaceId);
  });

  it("serves the demo's jobs: the intake routes them and the job workflow tracks them", async () => {
    const tenant = await ensureDemoTenant(t.db, input);
    const isHangarJob = createLabelMatcher(t.db);
    expect(await isHangarJob(["hangar-small"], installationId)).toBe(true);
    expect(await isHangarJob(["hangar-4cpu"], installationId)).toBe(false);

    const jobs = createJobActivities({ db: t.db, github: null });
    const event = jobEventArgs(
      {
        workspaceId: tenant.workspaceId,
        projectId: tenant.projectId,
        runnerId: tenant.runner.id,
        offeringId: tenant.offeringId,
        installationId,
        repository: { id: 700_000, fullName: "demo-org/web", ownerLogin: "demo-org" },
      },
      { id: 31_000_000_000, createdAt: "2026-03-01T12:00:00Z", labels: ["hangar-small"] },
    );
    expect(await jobs.resolveJob(event)).toEqual({
      kind: "tracked",
      runnerId: tenant.runner.id,
      workspaceId: tenant.workspaceId,
      storedStatus: null,
    });
  });

  it("links an installation the installation workflow recorded first", async () => {
    const other = { ...input, installationId: 40_001 };
    await createInstallationActivities({ db: t.db, github: null }).upsertInstallation({
      installationId: other.installationId,
      account: { login: "demo-org", id: 9_001, type: "Organization" },
      repositorySelection: "selected",
      repositories: [],
    });
    const tenant = await ensureDemoTenant(t.db, other);
    expect(tenant.created).toEqual(["installation link"]);
    // The configuration follows the installation its jobs now come from.
    const runner = await t.db
      .selectFrom("runners")
      .select("installation_id")
      .where("id", "=", tenant.runner.id)
      .executeTakeFirstOrThrow();
    expect(runner.installation_id).toBe(40_001n);
  });

  it("refuses to move an installation another workspace uses", async () => {
    const elsewhere = await createTenant(t.db, { installationId: 40_002 });
    await expect(ensureDemoTenant(t.db, { ...input, installationId: 40_002 })).rejects.toThrow(
      DemoTenantError,
    );
    const installation = await t.db
      .selectFrom("github_installations")
      .select("workspace_id")
      .where("installation_id", "=", 40_002n)
      .executeTakeFirstOrThrow();
    expect(installation.workspace_id).toBe(elsewhere.workspaceId);
  });
});
