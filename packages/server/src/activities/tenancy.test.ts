import type { V1ResourceQuota } from "@kubernetes/client-node";
import { eventually } from "@hangar/testkit";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pullSecretName } from "../kubernetes/builders/pull-secret.js";
import { sealRegistryCredential } from "../crypto/registry-credentials.js";
import {
  awsKey,
  basicPassword,
  cipher,
  dockerConfig,
  ecrHost,
  gcpKey,
  login,
  startTenancyRig,
  type TenancyRig,
} from "./tenancy-fixtures.js";

// Tenancy convergence from the database to the local API server: workspace
// rows and encrypted registry credentials in, namespace objects and pull
// Secrets out. ECR is a local fake that speaks the ECR API, so AWS is never
// called; the clock is the test's, so token renewal needs no waiting.

let rig: TenancyRig;

beforeAll(async () => {
  rig = await startTenancyRig();
});

afterAll(async () => {
  await rig.close();
});

describe("ensureWorkspaceCluster", () => {
  let workspace: { id: string; namespace: string };
  let basicId: string;
  let gcpId: string;
  let awsId: string;

  beforeAll(async () => {
    workspace = await rig.createWorkspace();
    basicId = await rig.addCredential(workspace.id, "registry.example.com", {
      kind: "basic",
      username: "robot",
      password: basicPassword,
    });
    gcpId = await rig.addCredential(workspace.id, "us-docker.pkg.dev", {
      kind: "gcp",
      serviceAccountKey: gcpKey,
    });
    awsId = await rig.addCredential(workspace.id, ecrHost, { kind: "aws", ...awsKey });
  });

  it("builds the namespace and one pull Secret per credential, logging in to ECR with the key", async () => {
    const result = await rig.activities.ensureWorkspaceCluster(workspace.id);
    expect(result).toMatchObject({ result: "converged", namespace: workspace.namespace });
    if (result.result !== "converged") return;
    expect(result.pullSecrets.written.sort()).toEqual([basicId, gcpId, awsId].sort());
    expect(result.pullSecrets.failed).toEqual([]);

    const namespace = await rig.cluster.readNamespace(workspace.namespace);
    expect(namespace?.metadata?.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");

    expect(dockerConfig(await rig.pullSecret(workspace.namespace, basicId))).toEqual({
      auths: { "registry.example.com": login("robot", basicPassword) },
    });
    expect(dockerConfig(await rig.pullSecret(workspace.namespace, gcpId))).toEqual({
      auths: { "us-docker.pkg.dev": login("_json_key", gcpKey) },
    });
    const ecrSecret = await rig.pullSecret(workspace.namespace, awsId);
    expect(dockerConfig(ecrSecret)).toEqual({ auths: { [ecrHost]: login("AWS", "ecr-token-1") } });
    expect(ecrSecret?.metadata?.annotations?.["hangar.dev/expires-at"]).toBe(
      "2026-03-01T20:00:00.000Z",
    );
    expect(rig.ecr.calls).toEqual([{ accessKeyId: awsKey.accessKeyId, region: "eu-west-1" }]);

    // Nothing a workflow history would keep mentions a secret.
    const recorded = JSON.stringify(result);
    for (const secret of [basicPassword, awsKey.secretAccessKey, "ecr-token", "MIIfake"]) {
      expect(recorded).not.toContain(secret);
    }
  });

  it("is idempotent: a second run writes nothing and asks ECR for nothing", async () => {
    const again = await rig.activities.ensureWorkspaceCluster(workspace.id);
    expect(again).toMatchObject({
      result: "converged",
      pullSecrets: { written: [], unchanged: 3, deleted: [], failed: [] },
    });
    expect(rig.ecr.calls).toHaveLength(1);
  });

  it("renews the ECR login once it is half-way to expiry", async () => {
    rig.clock.now = new Date(rig.clock.now.getTime() + 5 * 3600_000);
    expect(await rig.activities.ensureWorkspaceCluster(workspace.id)).toMatchObject({
      pullSecrets: { written: [] },
    });
    rig.clock.now = new Date(rig.clock.now.getTime() + 3600_000);
    expect(await rig.activities.ensureWorkspaceCluster(workspace.id)).toMatchObject({
      pullSecrets: { written: [awsId], unchanged: 2 },
    });
    expect(rig.ecr.calls).toHaveLength(2);
    expect(dockerConfig(await rig.pullSecret(workspace.namespace, awsId))).toEqual({
      auths: { [ecrHost]: login("AWS", "ecr-token-2") },
    });
  });

  it("follows the rows: plan changes, edited and deleted credentials", async () => {
    await rig.database.db
      .updateTable("workspaces")
      .set({ max_cpu_millis: 8000, max_runners: 3 })
      .where("id", "=", workspace.id)
      .execute();
    await rig.database.db
      .updateTable("registry_credentials")
      .set(
        sealRegistryCredential(
          cipher,
          { workspaceId: workspace.id, credentialId: basicId },
          {
            kind: "basic",
            username: "robot",
            password: "rotated-password",
          },
        ),
      )
      .where("id", "=", basicId)
      .execute();
    await rig.database.db
      .updateTable("registry_credentials")
      .set({ deleted_at: new Date() })
      .where("id", "=", gcpId)
      .execute();

    const result = await rig.activities.ensureWorkspaceCluster(workspace.id);
    expect(result).toMatchObject({
      pullSecrets: { written: [basicId], unchanged: 1, deleted: [pullSecretName(gcpId)] },
    });
    expect(await rig.pullSecret(workspace.namespace, gcpId)).toBeUndefined();
    expect(dockerConfig(await rig.pullSecret(workspace.namespace, basicId))).toEqual({
      auths: { "registry.example.com": login("robot", "rotated-password") },
    });
    const quotas = await rig.cluster.list<V1ResourceQuota>("v1", "ResourceQuota", {
      namespace: workspace.namespace,
      labelSelector: "hangar.dev/component=tenancy",
    });
    expect(quotas[0]?.spec?.hard).toMatchObject({ "limits.cpu": "8", pods: "3" });
  });

  it("reports a failed ECR login without the key, and keeps the other credentials", async () => {
    const other = await rig.createWorkspace();
    const failing = await rig.addCredential(other.id, ecrHost, { kind: "aws", ...awsKey });
    const fine = await rig.addCredential(other.id, "registry.example.com", {
      kind: "basic",
      username: "u",
      password: basicPassword,
    });
    rig.ecr.failWith = {
      status: 400,
      type: "UnrecognizedClientException",
      message: `The security token included in the request is invalid (${awsKey.accessKeyId}, ${awsKey.secretAccessKey})`,
    };
    try {
      const result = await rig.activities.ensureWorkspaceCluster(other.id);
      if (result.result !== "converged") throw new Error(`unexpected ${result.result}`);
      expect(result.pullSecrets.written).toEqual([fine]);
      expect(result.pullSecrets.failed).toHaveLength(1);
      const [failure] = result.pullSecrets.failed;
      expect(failure?.credentialId).toBe(failing);
      expect(failure?.message).toMatch(/UnrecognizedClientException \(HTTP 400\)/);
      // AWS's message quoted the key; what is kept has it scrubbed out.
      expect(failure?.message).toContain("[redacted]");
      expect(failure?.message).not.toContain(awsKey.accessKeyId);
      expect(failure?.message).not.toContain(awsKey.secretAccessKey);
    } finally {
      rig.ecr.failWith = null;
    }
  });
});

describe("removal", () => {
  it("removes the namespace of a deleted workspace, idempotently", async () => {
    const workspace = await rig.createWorkspace();
    await rig.activities.ensureWorkspaceCluster(workspace.id);
    expect(await rig.cluster.readNamespace(workspace.namespace)).not.toBeNull();

    await rig.database.db
      .updateTable("workspaces")
      .set({ deleted_at: new Date() })
      .where("id", "=", workspace.id)
      .execute();
    expect(await rig.activities.ensureWorkspaceCluster(workspace.id)).toEqual({
      result: "removed",
      namespace: workspace.namespace,
      namespaceDeletion: "deleted",
    });
    await eventually(
      "namespace gone",
      async () =>
        (await rig.cluster.readNamespace(workspace.namespace)) === null ? true : undefined,
      120_000,
    );
    expect(await rig.activities.removeWorkspaceCluster(workspace.id)).toEqual({
      result: "removed",
      namespace: workspace.namespace,
      namespaceDeletion: "absent",
    });
  });

  it("knows nothing of a workspace that does not exist", async () => {
    const missing = randomUUID();
    expect(await rig.activities.ensureWorkspaceCluster(missing)).toEqual({
      result: "unknown-workspace",
    });
    expect(await rig.activities.removeWorkspaceCluster(missing)).toEqual({
      result: "unknown-workspace",
    });
  });
});
