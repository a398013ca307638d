import { eventually } from "@hangar/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretCipher } from "../crypto/envelope.js";
import { createKeyRing } from "../crypto/key-ring.js";
import { openRegistryCredential } from "../crypto/registry-credentials.js";
import { createInstallationTenancy } from "./tenancy.js";
import {
  basicPassword,
  dockerConfig,
  login,
  newKey,
  oldCipher,
  startTenancyRig,
  type TenancyRig,
} from "./tenancy-fixtures.js";

// Registry credentials at rest (bound to their row, re-encrypted after a key
// rotation) and the installation workflow's hooks, on PostgreSQL and the
// local API server.

let rig: TenancyRig;

beforeAll(async () => {
  rig = await startTenancyRig();
});

afterAll(async () => {
  await rig.close();
});

describe("credentials at rest", () => {
  it("binds each ciphertext to its row: copied into another tenant's row it does not open", async () => {
    const victim = await rig.createWorkspace();
    const attacker = await rig.createWorkspace();
    const victimCredential = await rig.addCredential(victim.id, "registry.example.com", {
      kind: "basic",
      username: "victim",
      password: basicPassword,
    });
    const attackerCredential = await rig.addCredential(attacker.id, "registry.example.com", {
      kind: "basic",
      username: "attacker",
      password: "attacker-password",
    });
    const stolen = await rig.database.db
      .selectFrom("registry_credentials")
      .select(["encrypted_secret", "encryption_key_id"])
      .where("id", "=", victimCredential)
      .executeTakeFirstOrThrow();
    await rig.database.db
      .updateTable("registry_credentials")
      .set(stolen)
      .where("id", "=", attackerCredential)
      .execute();

    const result = await rig.activities.ensureWorkspaceCluster(attacker.id);
    if (result.result !== "converged") throw new Error(`unexpected ${result.result}`);
    expect(result.pullSecrets.written).toEqual([]);
    expect(result.pullSecrets.failed).toEqual([
      {
        credentialId: attackerCredential,
        message: expect.stringMatching(/DecryptionError|cannot unwrap/) as unknown,
      },
    ]);
    expect(JSON.stringify(result)).not.toContain(basicPassword);
    expect(await rig.pullSecret(attacker.namespace, attackerCredential)).toBeUndefined();
  });

  it("re-encrypts rows under the current key when converging after a rotation", async () => {
    const workspace = await rig.createWorkspace();
    const id = await rig.addCredential(
      workspace.id,
      "registry.example.com",
      { kind: "basic", username: "robot", password: basicPassword },
      oldCipher,
    );
    const before = await rig.database.db
      .selectFrom("registry_credentials")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(before.encryption_key_id).toBe("k-2025");
    expect(before.encrypted_secret.includes(Buffer.from(basicPassword))).toBe(false);

    await rig.activities.ensureWorkspaceCluster(workspace.id);
    const after = await rig.database.db
      .selectFrom("registry_credentials")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(after.encryption_key_id).toBe("k-2026");
    // The new key alone now opens it: the old key can be retired.
    const newOnly = createSecretCipher(createKeyRing(newKey));
    expect(openRegistryCredential(newOnly, after).reveal()).toEqual({
      kind: "basic",
      username: "robot",
      password: basicPassword,
    });
    expect(dockerConfig(await rig.pullSecret(workspace.namespace, id))).toEqual({
      auths: { "registry.example.com": login("robot", basicPassword) },
    });
  });
});

describe("installation hooks", () => {
  let nextInstallation = 880_000_000 + Math.floor(Math.random() * 1_000_000);
  const install = async (workspaceId: string | null) => {
    nextInstallation += 1;
    await rig.database.db
      .insertInto("github_installations")
      .values({
        installation_id: nextInstallation,
        workspace_id: workspaceId,
        account_login: `acme-${nextInstallation}`,
        account_id: nextInstallation,
        account_type: "Organization",
        repository_selection: "all",
      })
      .execute();
    return nextInstallation;
  };
  const markDeleted = (installationId: number) =>
    rig.database.db
      .updateTable("github_installations")
      .set({ state: "deleted", deleted_at: new Date() })
      .where("installation_id", "=", BigInt(installationId))
      .execute();

  it("converges on install and removes the namespace with the workspace's last installation", async () => {
    const hooks = createInstallationTenancy({ db: rig.database.db, tenancy: rig.activities });
    const workspace = await rig.createWorkspace();
    const first = await install(workspace.id);
    const second = await install(workspace.id);

    await hooks.prepareInstallation(first);
    expect(await rig.cluster.readNamespace(workspace.namespace)).not.toBeNull();

    await markDeleted(first);
    await hooks.teardownInstallation(first);
    const kept = await rig.cluster.readNamespace(workspace.namespace);
    expect(kept?.status?.phase).toBe("Active");

    await markDeleted(second);
    await hooks.teardownInstallation(second);
    await eventually(
      "namespace going",
      async () => {
        const namespace = await rig.cluster.readNamespace(workspace.namespace);
        return namespace === null || namespace.status?.phase === "Terminating" ? true : undefined;
      },
      120_000,
    );

    // An installation no workspace has claimed yet has no namespace to converge.
    const unlinked = await install(null);
    await expect(hooks.prepareInstallation(unlinked)).resolves.toBeUndefined();
    await expect(hooks.teardownInstallation(unlinked)).resolves.toBeUndefined();
  });
});
