import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "@hangar/testkit";
import { createLogger } from "../observability/logger.js";
import { createTenancyConvergenceActivities } from "./tenancy-convergence.js";
import { basicPassword, startTenancyRig, type TenancyRig } from "./tenancy-fixtures.js";

// The convergence round on the live API server: only workspaces that run something
// get cluster objects, drift is repaired, and a deleted workspace's namespace goes.

let rig: TenancyRig;
let convergence: ReturnType<typeof createTenancyConvergenceActivities>;
let nextInstallation = 880_000 + Math.floor(Math.random() * 10_000);

beforeAll(async () => {
  rig = await startTenancyRig();
  convergence = createTenancyConvergenceActivities({
    db: rig.database.db,
    tenancy: rig.activities,
    cluster: rig.cluster,
    logger: createLogger({ level: "silent" }),
  });
});

afterAll(async () => {
  await rig.close();
});

async function link(workspaceId: string): Promise<void> {
  nextInstallation += 1;
  await rig.database.db
    .insertInto("github_installations")
    .values({
      installation_id: BigInt(nextInstallation),
      workspace_id: workspaceId,
      account_login: `org-${nextInstallation}`,
      account_id: BigInt(nextInstallation),
      account_type: "Organization",
      repository_selection: "all",
      state: "active",
    })
    .execute();
}

const networkPolicies = async (namespace: string) =>
  (
    await rig.cluster.list("networking.k8s.io/v1", "NetworkPolicy", {
      namespace,
      labelSelector: "app.kubernetes.io/managed-by=hangar",
    })
  )
    .map((policy) => policy.metadata?.name)
    .sort();

describe("convergeWorkspaces", () => {
  it("converges linked workspaces, repairs drift and removes deleted ones", async () => {
    const linked = await rig.createWorkspace();
    const idle = await rig.createWorkspace(); // no installation: nothing to run
    await link(linked.id);
    const credentialId = await rig.addCredential(linked.id, "registry.example.com", {
      kind: "basic",
      username: "robot",
      password: basicPassword,
    });

    const first = await convergence.convergeWorkspaces();
    expect(first).toMatchObject({ failures: [], credentialFailures: 0 });
    expect(first.converged).toBeGreaterThanOrEqual(1);
    expect(first.pullSecretsWritten).toBeGreaterThanOrEqual(1);
    const policies = await networkPolicies(linked.namespace);
    expect(policies.length).toBeGreaterThanOrEqual(2);
    expect(await rig.pullSecret(linked.namespace, credentialId)).toBeDefined();
    expect(await rig.cluster.readNamespace(idle.namespace)).toBeNull();

    // Someone deletes a policy by hand: the next round puts it back, nothing else changes.
    await rig.cluster.delete({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      namespace: linked.namespace,
      name: policies[0]!,
    });
    expect(await networkPolicies(linked.namespace)).not.toEqual(policies);
    const second = await convergence.convergeWorkspaces();
    expect(second.failures).toEqual([]);
    expect(second.pullSecretsWritten).toBe(0);
    expect(await networkPolicies(linked.namespace)).toEqual(policies);

    // The workspace is deleted: its namespace goes in the next round, and only once.
    await rig.database.db
      .updateTable("workspaces")
      .set({ deleted_at: new Date() })
      .where("id", "=", linked.id)
      .execute();
    const third = await convergence.convergeWorkspaces();
    expect(third).toMatchObject({ removed: 1, failures: [] });
    await eventually(
      "the namespace gone",
      async () => ((await rig.cluster.readNamespace(linked.namespace)) === null ? true : undefined),
      60_000,
    );
    expect((await convergence.convergeWorkspaces()).removed).toBe(0);
  });
});
