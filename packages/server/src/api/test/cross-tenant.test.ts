import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import { expectationsOf, jobFor } from "./expectations.js";
import { freshCredential, freshMember, freshToken } from "./fixtures.js";
import { bearer, startHarness, type ApiHarness } from "./harness.js";
import { callRpc } from "./permission-matrix.js";
import { generatedServices } from "./services.js";

// Tenant isolation by id: every RPC whose request names an object by id (`id`, `*_id`)
// is called by an owner of the first workspace with one id swapped for the second
// workspace's object, everything else as in a request that succeeds. The answer must be
// NotFound, never PermissionDenied (which would confirm the object exists), never a
// success, and nothing of the second workspace may change.

/** What the `id` field of each RPC names. An id-taking RPC missing here fails the test. */
const idKinds: Record<string, "workspace" | "project" | "runner" | "token" | "credential" | "job"> =
  {
    "hangar.v1.WorkspaceService/GetWorkspace": "workspace",
    "hangar.v1.WorkspaceService/RenameWorkspace": "workspace",
    "hangar.v1.WorkspaceService/DeleteWorkspace": "workspace",
    "hangar.v1.WorkspaceService/RenameProject": "project",
    "hangar.v1.WorkspaceService/DeleteProject": "project",
    "hangar.v1.WorkspaceService/RevokeApiToken": "token",
    "hangar.v1.RunnerService/GetRunner": "runner",
    "hangar.v1.RunnerService/DeleteRunner": "runner",
    "hangar.v1.RunnerService/SuspendRunner": "runner",
    "hangar.v1.RunnerService/ResumeRunner": "runner",
    "hangar.v1.RegistryCredentialService/RotateRegistryCredential": "credential",
    "hangar.v1.RegistryCredentialService/DeleteRegistryCredential": "credential",
    "hangar.v1.JobService/GetJob": "job",
  };

/** Id-like fields that name no tenant's object, and why. */
const notTenantObjects: Record<string, string> = {
  "hangar.v1.WorkspaceService/ListAuditEvents.object_id":
    "a filter over audit records, which outlive their objects: it matches nothing of another workspace",
  "hangar.v1.RunnerService/CreateRunner.runner_offering_id":
    "offerings are the platform's catalog, shared by every workspace",
  "hangar.v1.OfferingService/RetireOffering.id":
    "offerings are the platform's catalog, shared by every workspace",
};

let database: TestDatabase;
let temporal: TestTemporal;
let h: ApiHarness;
const services = await generatedServices();

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

const idLike = (name: string) => name === "id" || name.endsWith("_id");

async function otherTenantValue(rpc: string, field: string): Promise<unknown> {
  switch (field) {
    case "workspace_id":
      return h.other.workspaceId;
    case "project_id":
      return h.other.projectId;
    case "runner_id":
      return h.other.runnerId;
    case "installation_id":
      return h.other.installationId;
    case "user_id":
      return freshMember(h, "viewer", h.other);
    case "id":
      break;
    default:
      throw new Error(`${rpc}: no cross-tenant value for the field ${field}`);
  }
  const kind = idKinds[rpc];
  switch (kind) {
    case "workspace":
      return h.other.workspaceId;
    case "project":
      return h.other.projectId;
    case "runner":
      return h.other.runnerId;
    case "token":
      return freshToken(h, "viewer", h.other);
    case "credential":
      return freshCredential(h, h.other);
    case "job":
      return jobFor(h, h.other);
    case undefined:
      throw new Error(`${rpc}: say in idKinds what its id names`);
    default: {
      const unknownKind: never = kind;
      throw new Error(`unknown id kind ${String(unknownKind)}`);
    }
  }
}

const cases = services.flatMap((service: DescService) =>
  service.methods.flatMap((method: DescMethod) =>
    method.input.fields
      .filter((field) => idLike(field.name))
      .filter((field) => !(`${service.typeName}/${method.name}.${field.name}` in notTenantObjects))
      .map((field) => ({ service, method, field: field.name, localName: field.localName })),
  ),
);

describe("another workspace's ids", () => {
  it("are tried on every RPC that takes one", () => {
    expect(cases.length).toBeGreaterThan(25);
    const rpcs = new Set(cases.map((c) => `${c.service.typeName}/${c.method.name}`));
    for (const rpc of Object.keys(idKinds)) expect(rpcs).toContain(rpc);
  });

  it.each(cases.map((c) => [`${c.service.typeName}/${c.method.name}`, c.field, c] as const))(
    "%s with the other workspace's %s → not found",
    async (rpc, field, c) => {
      const expectation = expectationsOf(c.service)[c.method.localName];
      if (expectation === undefined) throw new Error(`no expectation for ${rpc}`);
      const request = {
        ...(await expectation.request(h)),
        [c.localName]: await otherTenantValue(rpc, field),
      };
      const error = await callRpc(
        c.service,
        h.transports.http1,
        c.method.localName,
        request,
        bearer(h.tokens.roles.owner).headers,
      ).then(
        () => undefined,
        (thrown: unknown) => ConnectError.from(thrown),
      );
      expect(error?.code, error?.rawMessage ?? "the call succeeded").toBe(Code.NotFound);
    },
  );

  it("changed nothing of the other workspace", async () => {
    const audited = await database.db
      .selectFrom("audit_log")
      .select(["action", "object_id"])
      .where("workspace_id", "=", h.other.workspaceId)
      .execute();
    expect(audited).toEqual([]);
  });
});
