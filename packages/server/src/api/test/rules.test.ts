import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { RegistryCredentialService } from "@hangar/api/registry_credential_service_pb.js";
import { InstallationService } from "@hangar/api/installation_service_pb.js";
import { JobService } from "@hangar/api/job_service_pb.js";
import { OfferingService } from "@hangar/api/offering_service_pb.js";
import { WorkspaceService } from "@hangar/api/workspace_service_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import { openRegistryCredential } from "../../crypto/registry-credentials.js";
import { jobFor } from "./expectations.js";
import {
  freshInstallation,
  freshMember,
  freshOffering,
  freshProject,
  freshRunner,
  freshWorkspace,
  unique,
} from "./fixtures.js";
import { RunnerService } from "@hangar/api/runner_service_pb.js";
import { bearer, startHarness, tokenId, type ApiHarness } from "./harness.js";

// The rules the permission table alone does not express: roles a caller may hand out,
// the last owner, deletions guarded by live runners, write-only secrets, and what the
// reads assemble (timelines, runs-on label sets), who may link an installation.

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

const workspaces = () => createClient(WorkspaceService, h.transports.http1);

/** JSON of a message (its timestamps hold bigints), to look for a string in it. */
function text(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === "bigint" ? item.toString() : item,
  );
}

async function codeOf(call: Promise<unknown>): Promise<Code | "ok"> {
  return call.then(
    () => "ok" as const,
    (error: unknown) => ConnectError.from(error).code,
  );
}

describe("tokens and members", () => {
  it("never gives a token a role above its creator's", async () => {
    const request = { workspaceId: h.tenant.workspaceId, name: "ci" };
    const asAdmin = bearer(h.tokens.roles.admin);
    expect(await codeOf(workspaces().createApiToken({ ...request, role: "owner" }, asAdmin))).toBe(
      Code.PermissionDenied,
    );
    const { token, secret } = await workspaces().createApiToken(
      { ...request, role: "admin" },
      asAdmin,
    );
    expect(secret).toMatch(/^hgr_/);
    expect(token?.role).toBe("admin");
    // The secret is shown once: listing shows the prefix only.
    const { tokens } = await workspaces().listApiTokens(
      { workspaceId: h.tenant.workspaceId },
      asAdmin,
    );
    expect(text(tokens)).not.toContain(secret);
    expect(tokens.find((t) => t.id === token?.id)?.createdBy).toBe(
      `token:${h.tokenIds.roles.admin}`,
    );
  });

  it("lets only owners grant owner, and keeps the last owner", async () => {
    const userId = await freshMember(h, "member");
    const change = { workspaceId: h.tenant.workspaceId, userId, role: "owner" };
    expect(await codeOf(workspaces().updateMemberRole(change, bearer(h.tokens.roles.admin)))).toBe(
      Code.PermissionDenied,
    );
    const asOwner = bearer(h.tokens.roles.owner);
    expect((await workspaces().updateMemberRole(change, asOwner)).member?.role).toBe("owner");
    // The only owner among the members can neither step down nor leave.
    const demote = workspaces().updateMemberRole({ ...change, role: "admin" }, asOwner);
    expect(await codeOf(demote)).toBe(Code.FailedPrecondition);
    const remove = workspaces().removeMember(
      { workspaceId: h.tenant.workspaceId, userId },
      asOwner,
    );
    expect(await codeOf(remove)).toBe(Code.FailedPrecondition);
  });

  it("adds a member by email, creating the person once", async () => {
    const email = `${unique("Casey")}@Example.com`;
    const request = { workspaceId: h.tenant.workspaceId, email, role: "viewer" };
    const { member } = await workspaces().addMember(request, bearer(h.tokens.roles.admin));
    expect(member?.email).toBe(email.toLowerCase());
    expect(await codeOf(workspaces().addMember(request, bearer(h.tokens.roles.admin)))).toBe(
      Code.AlreadyExists,
    );
  });
});

describe("workspaces and projects", () => {
  it("creates a workspace with its default project for a platform administrator", async () => {
    const slug = unique("tenant");
    const asAdmin = bearer(h.tokens.platformAdmin);
    const created = await workspaces().createWorkspace({ slug, name: "Tenant" }, asAdmin);
    expect(created.workspace?.callerRole).toBe("owner");
    expect(created.defaultProject?.isDefault).toBe(true);
    const id = created.workspace?.id ?? "";
    const { workspace } = await workspaces().getWorkspace({ id }, asAdmin);
    expect(workspace?.namespace).toBe(`hangar-${slug}`);
    expect(await codeOf(workspaces().createWorkspace({ slug, name: "Again" }, asAdmin))).toBe(
      Code.AlreadyExists,
    );
  });

  it("refuses to delete a workspace with live runner instances unless forced", async () => {
    const workspaceId = await freshWorkspace(h);
    const tenant = { ...h.tenant, workspaceId };
    const project = await database.db
      .selectFrom("projects")
      .select("id")
      .where("workspace_id", "=", workspaceId)
      .executeTakeFirstOrThrow();
    const installation = BigInt(6_000_000 + Math.floor(Math.random() * 1_000_000));
    await database.db
      .insertInto("github_installations")
      .values({
        installation_id: installation,
        workspace_id: workspaceId,
        account_login: unique("org"),
        account_id: Number(installation),
        account_type: "Organization",
        repository_selection: "all",
      })
      .execute();
    const runnerId = await freshRunner(h, "active", {
      ...tenant,
      projectId: project.id,
      installationId: installation,
    });
    await database.db
      .insertInto("runner_instances")
      .values({
        runner_id: runnerId,
        workspace_id: workspaceId,
        name: unique("i"),
        labels: [],
        state: "busy",
      })
      .execute();
    const asOwner = bearer(h.tokens.roles.owner);
    expect(await codeOf(workspaces().deleteWorkspace({ id: workspaceId }, asOwner))).toBe(
      Code.FailedPrecondition,
    );
    await workspaces().deleteWorkspace({ id: workspaceId, force: true }, asOwner);
    const runner = await database.db
      .selectFrom("runners")
      .select("status")
      .where("id", "=", runnerId)
      .executeTakeFirstOrThrow();
    expect(runner.status).toBe("deleting");
    expect(await codeOf(workspaces().getWorkspace({ id: workspaceId }, asOwner))).toBe(
      Code.NotFound,
    );
    await temporal.client.workflow
      .getHandle(`pool-${runnerId}`)
      .terminate("test over")
      .catch(() => undefined);
  });

  it("never deletes the default project", async () => {
    const asAdmin = bearer(h.tokens.roles.admin);
    expect(await codeOf(workspaces().deleteProject({ id: h.tenant.projectId }, asAdmin))).toBe(
      Code.FailedPrecondition,
    );
    const other = await freshProject(h);
    expect(await codeOf(workspaces().deleteProject({ id: other }, asAdmin))).toBe("ok");
  });
});

describe("registry credentials", () => {
  const credentials = () => createClient(RegistryCredentialService, h.transports.http1);

  it("stores the secret sealed and never shows it, not even in the audit log", async () => {
    const password = `pw-${unique("secret")}`;
    const asAdmin = bearer(h.tokens.roles.admin);
    const { credential } = await credentials().createRegistryCredential(
      {
        workspaceId: h.tenant.workspaceId,
        name: unique("registry"),
        registryHost: "registry.example.com",
        secret: { case: "basic", value: { username: "robot", password } },
      },
      asAdmin,
    );
    const id = credential?.id ?? "";
    expect(text(credential)).not.toContain(password);
    const rotated = await codeOf(
      credentials().rotateRegistryCredential(
        {
          id,
          secret: {
            case: "aws",
            value: { accessKeyId: "AKIAABCDEFGHIJKLMNOP", secretAccessKey: "x" },
          },
        },
        asAdmin,
      ),
    );
    expect(rotated).toBe(Code.InvalidArgument);
    const newPassword = `pw-${unique("rotated")}`;
    await credentials().rotateRegistryCredential(
      { id, secret: { case: "basic", value: { username: "robot", password: newPassword } } },
      asAdmin,
    );
    const row = await database.db
      .selectFrom("registry_credentials")
      .select(["id", "workspace_id", "kind", "encrypted_secret", "encryption_key_id"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(openRegistryCredential(h.secrets, row).reveal()).toMatchObject({
      password: newPassword,
    });
    const audit = await database.db
      .selectFrom("audit_log")
      .select(["before", "after"])
      .where("object_id", "=", id)
      .execute();
    expect(audit).toHaveLength(2);
    const recorded = text(audit);
    expect(recorded).not.toContain(password);
    expect(recorded).not.toContain(newPassword);
    expect(recorded).not.toContain("encrypted_secret");
  });

  it("refuses to delete a credential a runner uses", async () => {
    const asAdmin = bearer(h.tokens.roles.admin);
    const { credential } = await credentials().createRegistryCredential(
      {
        workspaceId: h.tenant.workspaceId,
        name: unique("registry"),
        registryHost: "registry.example.com",
        secret: { case: "basic", value: { username: "robot", password: "pw" } },
      },
      asAdmin,
    );
    await database.db
      .insertInto("runners")
      .values({
        workspace_id: h.tenant.workspaceId,
        project_id: h.tenant.projectId,
        installation_id: h.tenant.installationId,
        name: unique("custom"),
        image: "registry.example.com/runner:1",
        cpu: "1",
        memory: "1Gi",
        registry_credential_id: credential?.id ?? null,
        max_runners: 1,
        namespace: "hangar-custom",
      })
      .execute();
    expect(
      await codeOf(credentials().deleteRegistryCredential({ id: credential?.id ?? "" }, asAdmin)),
    ).toBe(Code.FailedPrecondition);
  });
});

describe("reads", () => {
  it("builds a job's timeline from its row and its runner instance", async () => {
    const id = await jobFor(h, h.tenant);
    const jobs = createClient(JobService, h.transports.http1);
    const { job, timeline } = await jobs.getJob({ id }, bearer(h.tokens.roles.viewer));
    expect(job?.repository).toMatch(/\//);
    expect(timeline.map((entry) => entry.kind)).toEqual([
      "queued",
      "runner_requested",
      "runner_ready",
      "in_progress",
      "completed",
      "runner_removed",
    ]);
  });

  it("lists repositories with the runs-on label sets of their workflow files", async () => {
    await database.db
      .updateTable("repositories")
      .set({ workflow_jobs: JSON.stringify([{ labels: ["hangar-4cpu", "self-hosted"], jobs: 2 }]) })
      .where("github_repository_id", "=", h.tenant.repositoryId)
      .execute();
    const installations = createClient(InstallationService, h.transports.http1);
    const { repositories } = await installations.listInstallationRepositories(
      { installationId: h.tenant.installationId },
      bearer(h.tokens.roles.viewer),
    );
    expect(repositories[0]?.runsOn.map((set) => set.labels)).toEqual([
      ["hangar-4cpu", "self-hosted"],
    ]);
  });

  it("ignores update_mask's absent fields and refuses id and retired", async () => {
    const offerings = createClient(OfferingService, h.transports.http1);
    const asAdmin = bearer(h.tokens.platformAdmin);
    const { offering } = await offerings.updateOffering(
      {
        offering: { id: h.tenant.offeringId, pricePerMinute: "0.01", cpu: "64" },
        updateMask: ["price_per_minute"],
      },
      asAdmin,
    );
    expect(offering).toMatchObject({ pricePerMinute: "0.01", cpu: "4" });
    const retire = offerings.updateOffering(
      { offering: { id: h.tenant.offeringId, retired: true }, updateMask: ["retired"] },
      asAdmin,
    );
    expect(await codeOf(retire)).toBe(Code.InvalidArgument);
  });

  it("keeps an offering's re-run choice, and its absence (following spot)", async () => {
    const offerings = createClient(OfferingService, h.transports.http1);
    const asAdmin = bearer(h.tokens.platformAdmin);
    const id = await freshOffering(h);
    const listed = async () =>
      (await offerings.listOfferings({ includeRetired: true }, asAdmin)).offerings.find(
        (offering) => offering.id === id,
      );
    expect((await listed())?.rerunOnPreemption).toBeUndefined();
    const set = await offerings.updateOffering(
      { offering: { id, rerunOnPreemption: false }, updateMask: ["rerun_on_preemption"] },
      asAdmin,
    );
    expect(set.offering?.rerunOnPreemption).toBe(false);
    expect((await listed())?.rerunOnPreemption).toBe(false);
    // In the mask but unset: back to following spot (NULL).
    await offerings.updateOffering(
      { offering: { id }, updateMask: ["rerun_on_preemption"] },
      asAdmin,
    );
    const row = await database.db
      .selectFrom("runner_offerings")
      .select("rerun_on_preemption")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row.rerun_on_preemption).toBeNull();
    const created = await offerings.createOffering(
      {
        offering: {
          id: unique("spotty"),
          name: unique("spotty"),
          cpu: "2",
          memory: "8Gi",
          imageRepository: "ghcr.io/actions/actions-runner",
          imageTag: "2.330.0",
          spot: true,
          rerunOnPreemption: true,
          pricePerMinute: "0.002",
        },
      },
      asAdmin,
    );
    expect(created.offering).toMatchObject({ spot: true, rerunOnPreemption: true });
  });

  it("lets only platform administrators link an unlinked installation", async () => {
    const installations = createClient(InstallationService, h.transports.http1);
    const runners = createClient(RunnerService, h.transports.http1);
    const { workspaceId, offeringId } = h.tenant;
    const asOwner = bearer(h.tokens.roles.owner);
    const unlinked = await freshInstallation(h);
    const link = { installationId: unlinked, workspaceId };
    expect(await codeOf(installations.linkInstallation(link, asOwner))).toBe(Code.PermissionDenied);
    const install = { installationId: unlinked, workspaceId, runnerOfferingIds: [offeringId] };
    expect(await codeOf(runners.installRunners(install, asOwner))).toBe(Code.PermissionDenied);
    // Someone who cannot see the workspace learns nothing about it.
    expect(
      await codeOf(installations.linkInstallation(link, bearer(h.tokens.otherWorkspace))),
    ).toBe(Code.NotFound);
    const linked = await installations.linkInstallation(link, bearer(h.tokens.platformAdmin));
    expect(linked.installation).toMatchObject({ installationId: unlinked, workspaceId });
    const audit = await database.db
      .selectFrom("audit_log")
      .select(["action", "actor"])
      .where("object_id", "=", unlinked.toString())
      .execute();
    expect(audit).toEqual([
      {
        action: "installation.link",
        actor: `token:${await tokenId(database.db, h.tokens.platformAdmin)}`,
      },
    ]);
    // Linked to the workspace, it is the workspace admins' to install runners on.
    const installed = await runners.installRunners(install, bearer(h.tokens.roles.admin));
    expect(installed.installation?.installationId).toBe(unlinked);
    // Linked anywhere, it cannot be linked again, by anyone.
    expect(await codeOf(installations.linkInstallation(link, bearer(h.tokens.platformAdmin)))).toBe(
      Code.NotFound,
    );
  });
});
