import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import { bearer, startHarness, type ApiHarness } from "../test/harness.js";
import { freshCredential, freshCustomRunner, freshRunner } from "../test/fixtures.js";

// UpdateRunner against a real database and Temporal: what update_mask may name, the
// values' rules (CreateRunner's), the refusals, the audit row and the pool's signal.

let database: TestDatabase;
let temporal: TestTemporal;
let h: ApiHarness;
const started: string[] = [];

beforeAll(async () => {
  database = await testDatabase();
  temporal = await testTemporal();
  h = await startHarness({ db: database.db, temporal });
});
afterAll(async () => {
  await h.stop();
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

const member = () => bearer(h.tokens.roles.member);

function auditRows(objectId: string) {
  return database.db
    .selectFrom("audit_log")
    .selectAll()
    .where("object_id", "=", objectId)
    .orderBy("id")
    .execute();
}

describe("UpdateRunner", () => {
  it("changes only what the mask names, audits it, and leaves the rest as it was", async () => {
    const client = h.client("2");
    const id = await freshRunner(h, "suspended");
    const { runner } = await client.updateRunner(
      {
        runner: { id, labels: ["GPU", "gpu", "Linux"], minIdle: 1, maxRunners: 9, name: "ignored" },
        updateMask: ["labels", "min_idle"],
      },
      { headers: { ...member().headers, "x-request-id": "update-1" } },
    );
    // max_runners and name are not in the mask: untouched.
    expect(runner).toMatchObject({ id, labels: ["gpu", "linux"], minIdle: 1, maxRunners: 2 });
    expect(runner?.name).not.toBe("ignored");
    const rows = await auditRows(id);
    expect(rows.map((row) => [row.action, row.request_id])).toEqual([
      ["runner.update", "update-1"],
    ]);
    expect(rows[0]?.before).toMatchObject({ labels: [], min_idle: 0 });
    expect(rows[0]?.after).toMatchObject({ labels: ["gpu", "linux"], min_idle: 1, max_runners: 2 });

    // The same values again change nothing and record nothing.
    await client.updateRunner(
      { runner: { id, labels: ["gpu", "linux"], minIdle: 1 }, updateMask: ["labels", "min_idle"] },
      member(),
    );
    expect(await auditRows(id)).toHaveLength(1);
  });

  it("sets and clears pre-warming, within the database's range", async () => {
    const client = h.client();
    const id = await freshRunner(h, "suspended");
    const set = await client.updateRunner(
      { runner: { id, prewarmMaxIdle: 12 }, updateMask: ["prewarm_max_idle"] },
      member(),
    );
    expect(set.runner?.prewarmMaxIdle).toBe(12);
    const got = await client.getRunner({ id }, member());
    expect(got.runner?.prewarmMaxIdle).toBe(12);
    // In the mask but unset: pre-warming off.
    const cleared = await client.updateRunner(
      { runner: { id }, updateMask: ["prewarm_max_idle"] },
      member(),
    );
    expect(cleared.runner?.prewarmMaxIdle).toBeUndefined();
    const row = await database.db
      .selectFrom("runners")
      .select("prewarm_max_idle")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.prewarm_max_idle).toBeNull();
    for (const value of [0, 10_001]) {
      const error = await refusal(
        client.updateRunner(
          { runner: { id, prewarmMaxIdle: value }, updateMask: ["prewarm_max_idle"] },
          member(),
        ),
      );
      expect(error.code).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toContain("runner.prewarm_max_idle");
    }
  });

  it("refuses masks that are empty or name fields it cannot change, naming them", async () => {
    const client = h.client();
    const id = await freshRunner(h, "suspended");
    const cases: [string[], string][] = [
      [[], "update_mask: must name at least one field"],
      [["name"], "update_mask[0]: name cannot be updated"],
      [["min_idle", "workspace_id"], "update_mask[1]: workspace_id cannot be updated"],
      [["status"], "update_mask[0]: status cannot be updated"],
      [["runner_offering_id"], "update_mask[0]: runner_offering_id cannot be updated"],
      [["installation_id"], "update_mask[0]: installation_id cannot be updated"],
      [["colour"], 'update_mask[0]: "colour" is not a field of Runner'],
    ];
    for (const [updateMask, message] of cases) {
      const error = await refusal(client.updateRunner({ runner: { id }, updateMask }, member()));
      expect(error.code, updateMask.join()).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toContain(message);
    }
    const noRunner = await refusal(client.updateRunner({ updateMask: ["labels"] }, member()));
    expect(noRunner.rawMessage).toContain("runner: is required");
    // CreateRunner's rules for the values, named by their place in the message.
    const badLabel = await refusal(
      client.updateRunner(
        { runner: { id, labels: ["no spaces"] }, updateMask: ["labels"] },
        member(),
      ),
    );
    expect(badLabel.rawMessage).toContain("runner.labels[0]");
    const tooMany = await refusal(
      client.updateRunner(
        { runner: { id, minIdle: 3, maxRunners: 2 }, updateMask: ["min_idle", "max_runners"] },
        member(),
      ),
    );
    expect(tooMany.rawMessage).toContain("min_idle: must not exceed max_runners (2)");
    // Against the row as it is: max_runners is 2.
    const aboveRow = await refusal(
      client.updateRunner({ runner: { id, minIdle: 3 }, updateMask: ["min_idle"] }, member()),
    );
    expect(aboveRow.rawMessage).toContain("min_idle: must not exceed max_runners (2)");
    expect(await auditRows(id)).toEqual([]);
  });

  it("changes a custom runner's image and size, and refuses them on an offering's runner", async () => {
    const client = h.client();
    const custom = await freshCustomRunner(h);
    const credential = await freshCredential(h);
    const { runner } = await client.updateRunner(
      {
        runner: {
          id: custom,
          image: "registry.example.com/runner:2",
          cpu: "500m",
          memory: "2Gi",
          registryCredentialId: credential,
        },
        updateMask: ["image", "cpu", "memory", "registry_credential_id"],
      },
      member(),
    );
    expect(runner).toMatchObject({
      image: "registry.example.com/runner:2",
      cpu: "500m",
      memory: "2Gi",
      registryCredentialId: credential,
    });
    // Another workspace's credential is not found, like one that does not exist.
    const foreign = await freshCredential(h, h.other);
    const error = await refusal(
      client.updateRunner(
        {
          runner: { id: custom, registryCredentialId: foreign },
          updateMask: ["registry_credential_id"],
        },
        member(),
      ),
    );
    expect(error.code).toBe(Code.NotFound);

    const offeringRunner = await freshRunner(h, "suspended");
    const refused = await refusal(
      client.updateRunner(
        { runner: { id: offeringRunner, cpu: "8" }, updateMask: ["labels", "cpu"] },
        member(),
      ),
    );
    expect(refused.code).toBe(Code.InvalidArgument);
    expect(refused.rawMessage).toContain("cpu: only custom runners have it");
  });

  it("refuses viewers, other workspaces and runners being deleted", async () => {
    const client = h.client();
    const id = await freshRunner(h, "suspended");
    const request = { runner: { id, minIdle: 1 }, updateMask: ["min_idle"] };
    expect((await refusal(client.updateRunner(request, bearer(h.tokens.roles.viewer)))).code).toBe(
      Code.PermissionDenied,
    );
    const otherRunner = { runner: { id: h.other.runnerId, minIdle: 1 }, updateMask: ["min_idle"] };
    expect(
      (await refusal(client.updateRunner(otherRunner, bearer(h.tokens.roles.owner)))).code,
    ).toBe(Code.NotFound);
    const deleting = await freshRunner(h, "deleting");
    const error = await refusal(
      client.updateRunner(
        { runner: { id: deleting, minIdle: 1 }, updateMask: ["min_idle"] },
        member(),
      ),
    );
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(await auditRows(deleting)).toEqual([]);
  });

  it("asks the runner's pool to re-read its configuration after the commit", async () => {
    const client = h.client();
    const id = await freshRunner(h, "active");
    await client.updateRunner({ runner: { id, minIdle: 1 }, updateMask: ["min_idle"] }, member());
    started.push(`pool-${id}`);
    // It now keeps an idle runner, so its pool was started; no worker runs here, so the
    // signal sits in the history.
    const history = await temporal.client.workflow.getHandle(`pool-${id}`).fetchHistory();
    const signals = (history.events ?? []).flatMap(
      (event) => event.workflowExecutionSignaledEventAttributes?.signalName ?? [],
    );
    expect(signals).toEqual(["reconcile"]);
  });
});
