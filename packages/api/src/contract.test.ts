import { create, fromBinary, fromJson, toBinary, toJson } from "@bufbuild/protobuf";
import type { DescMessage } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { RunnerInstallationSchema } from "@hangar/api/installation_pb.js";
import { RunnerOfferingSchema } from "@hangar/api/offering_pb.js";
import { RunnerSchema } from "@hangar/api/runner_pb.js";
import { CreateRunnerRequestSchema, RunnerService } from "@hangar/api/runner_service_pb.js";

// The seed's data model (github-runners-architecture.txt): these names and
// numbers are the wire contract and must never change.
const seedFields: [DescMessage, Record<string, number>][] = [
  [
    RunnerSchema,
    {
      id: 1,
      name: 2,
      namespace: 3,
      runner_offering_id: 4,
      repositories: 5,
      status: 6,
      is_custom: 7,
      cpu: 8,
      memory: 9,
    },
  ],
  [
    RunnerInstallationSchema,
    {
      installation_id: 1,
      workspace_id: 2,
      state: 3,
      github_account_type: 4,
      is_service_enabled: 5,
    },
  ],
  [
    RunnerOfferingSchema,
    { id: 1, name: 2, cpu: 3, memory: 4, image_repository: 5, is_autoscale: 6 },
  ],
];

describe("API contract", () => {
  for (const [schema, expected] of seedFields) {
    it(`${schema.typeName} keeps the seed's field names and numbers`, () => {
      const actual = Object.fromEntries(
        schema.fields.filter((f) => f.name in expected).map((f) => [f.name, f.number]),
      );
      expect(actual).toEqual(expected);
    });
  }

  it("round-trips a Runner through binary and JSON", () => {
    const runner = create(RunnerSchema, {
      id: "rnr_1",
      name: "hangar-4cpu",
      namespace: "hangar-ws-1",
      runnerOfferingId: "linux-x64-4cpu",
      repositories: ["acme/web", "acme/api"],
      status: "active",
      cpu: "4",
      memory: "16Gi",
      workspaceId: "ws_1",
      projectId: "prj_1",
      labels: ["gpu"],
      minIdle: 1,
      maxRunners: 10,
      installationId: 42n,
      createTime: timestampFromDate(new Date("2025-01-02T03:04:05Z")),
    });

    expect(fromBinary(RunnerSchema, toBinary(RunnerSchema, runner))).toEqual(runner);

    const json = toJson(RunnerSchema, runner);
    expect(json).toMatchObject({
      runnerOfferingId: "linux-x64-4cpu",
      installationId: "42",
      createTime: "2025-01-02T03:04:05Z",
    });
    expect(fromJson(RunnerSchema, json)).toEqual(runner);
  });

  it("models CreateRunner's offering-or-custom choice as a oneof", () => {
    const req = create(CreateRunnerRequestSchema, {
      spec: { case: "custom", value: { image: "ghcr.io/acme/runner:1", cpu: "2", memory: "4Gi" } },
    });
    const decoded = fromBinary(CreateRunnerRequestSchema, toBinary(CreateRunnerRequestSchema, req));
    expect(decoded.spec.case).toBe("custom");
    expect(decoded.minIdle).toBeUndefined();
  });

  it("declares the RunnerService methods", () => {
    expect(RunnerService.typeName).toBe("hangar.v1.RunnerService");
    expect(RunnerService.methods.map((m) => m.name)).toEqual(
      expect.arrayContaining([
        "InstallRunners",
        "CreateRunner",
        "GetRunner",
        "ListRunners",
        "DeleteRunner",
        "SuspendRunner",
        "ResumeRunner",
        "GetRunnerMetrics",
      ]),
    );
  });
});
