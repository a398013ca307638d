import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import { createTenant, type Tenant } from "../storage/test-fixtures.js";
import { createLabelMatcher, matchesAnyConfiguration } from "./label-matcher.js";

describe("matchesAnyConfiguration", () => {
  const configurations = [new Set(["hangar-4cpu"]), new Set(["hangar-gpu", "gpu", "large"])];
  it.each([
    [["hangar-4cpu"], true],
    [["self-hosted", "linux", "x64", "hangar-4cpu"], true],
    [["Self-Hosted", "HANGAR-4CPU"], true],
    [["hangar-gpu", "gpu"], true],
    [["gpu", "large"], true],
    // All labels must be covered by ONE configuration, as GitHub assigns jobs.
    [["hangar-4cpu", "gpu"], false],
    [["ubuntu-latest"], false],
    [["self-hosted", "linux", "arm64"], false],
    [[], false],
  ])("%j → %s", (labels, expected) => {
    expect(matchesAnyConfiguration(labels, configurations)).toBe(expected);
  });
});

describe("createLabelMatcher over the runners table", () => {
  let database: TestDatabase;
  let tenant: Tenant;
  let clock = 0;
  const now = () => clock;

  beforeAll(async () => {
    database = await testDatabase();
    tenant = await createTenant(database.db);
  });
  afterAll(() => database.close());

  it("matches the live configurations of the job's installation only", async () => {
    const isHangarJob = createLabelMatcher(database.db, { ttlMs: 5_000, now });
    const installation = Number(tenant.installationId);
    expect(await isHangarJob(["self-hosted", "hangar-4cpu"], installation)).toBe(true);
    expect(await isHangarJob(["hangar-4cpu"], installation + 1)).toBe(false);
    expect(await isHangarJob(["ubuntu-latest"], installation)).toBe(false);
  });

  it("sees a new configuration after a miss once the snapshot is a second old, and a deletion after the TTL", async () => {
    const isHangarJob = createLabelMatcher(database.db, {
      ttlMs: 5_000,
      missRefreshMs: 1_000,
      now,
    });
    const installation = Number(tenant.installationId);
    expect(await isHangarJob(["hangar-arm"], installation)).toBe(false);
    const { id } = await database.db
      .insertInto("runners")
      .values({
        workspace_id: tenant.workspaceId,
        project_id: tenant.projectId,
        installation_id: tenant.installationId,
        name: "hangar-arm",
        labels: ["arm-large"],
        offering_id: tenant.offeringId,
        cpu: "2",
        memory: "4Gi",
        max_runners: 5,
        namespace: "hangar-acme-arm",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    clock += 500;
    expect(await isHangarJob(["hangar-arm"], installation)).toBe(false);
    clock += 600;
    expect(await isHangarJob(["hangar-arm", "arm-large"], installation)).toBe(true);

    await database.db
      .updateTable("runners")
      .set({ status: "deleting", deleted_at: new Date() })
      .where("id", "=", id)
      .execute();
    clock += 1_000;
    expect(await isHangarJob(["hangar-arm"], installation)).toBe(true);
    clock += 5_000;
    expect(await isHangarJob(["hangar-arm"], installation)).toBe(false);
  });
});
