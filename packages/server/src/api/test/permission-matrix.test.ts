import { RunnerService } from "@hangar/api/runner_service_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import { expectationsByService, expectationsOf } from "./expectations.js";
import type { ApiHarness } from "./harness.js";
import { startHarness } from "./harness.js";
import { isMutation, matrixCases, runMatrixCase } from "./permission-matrix.js";
import { generatedServices } from "./services.js";

// Every RPC of every service in packages/api × every kind of caller. Add an RPC (or a
// service) to the .proto files and this file fails until it says who may call it. Every
// call that was allowed to change something must have left an audit record with its
// request id.

let database: TestDatabase;
let temporal: TestTemporal;
let harness: ApiHarness;
const services = await generatedServices();
const allowedMutations: { rpc: string; requestId: string }[] = [];
let calls = 0;

beforeAll(async () => {
  database = await testDatabase();
  temporal = await testTemporal();
  harness = await startHarness({ db: database.db, temporal });
});
afterAll(async () => {
  await harness.stop();
  // Pools started by deletes wait for a worker that never comes.
  const pools = await database.db
    .selectFrom("runners")
    .select("id")
    .where("status", "=", "deleting")
    .execute();
  for (const { id } of pools) {
    await temporal.client.workflow
      .getHandle(`pool-${id}`)
      .terminate("test over")
      .catch(() => undefined);
  }
  await temporal.close();
  await database.close();
});

describe("the permission matrix", () => {
  it("has expectations for every service and RPC, and for nothing else", () => {
    expect(services.map((service) => service.typeName).sort()).toEqual(
      Object.keys(expectationsByService).sort(),
    );
    for (const service of services) {
      expect(new Set(matrixCases(service, expectationsOf(service)).map((c) => c.method))).toEqual(
        new Set(service.methods.map((method) => method.localName)),
      );
    }
    const runners = expectationsOf(RunnerService);
    expect(() => matrixCases(RunnerService, { getRunner: runners["getRunner"]! })).toThrow(
      /no permission expectation for hangar\.v1\.RunnerService\/InstallRunners/,
    );
  });

  for (const service of services) {
    const cases = matrixCases(service, expectationsOf(service));
    describe(service.typeName, () => {
      it.each(cases.map((c) => [c.method, c.caller, c.expected, c] as const))(
        "%s by %s → %s",
        async (_method, _caller, expected, matrixCase) => {
          calls += 1;
          const requestId = `matrix-${calls}`;
          const outcome = await runMatrixCase(
            service,
            harness.transports.http1,
            harness,
            matrixCase,
            requestId,
          );
          expect(outcome).toBe(expected);
          const method = service.methods.find((m) => m.localName === matrixCase.method);
          if (outcome === "allowed" && method !== undefined && isMutation(method.name)) {
            allowedMutations.push({ rpc: `${service.typeName}/${method.name}`, requestId });
          }
        },
      );
    });
  }

  it("audited every change it was allowed to make", async () => {
    const expected = services.flatMap((service) =>
      matrixCases(service, expectationsOf(service)).filter(
        (c) =>
          c.expected === "allowed" &&
          isMutation(service.methods.find((m) => m.localName === c.method)?.name ?? ""),
      ),
    );
    expect(allowedMutations).toHaveLength(expected.length);
    const audited = await database.db
      .selectFrom("audit_log")
      .select("request_id")
      .distinct()
      .where(
        "request_id",
        "in",
        allowedMutations.map((call) => call.requestId),
      )
      .execute();
    const seen = new Set(audited.map((row) => row.request_id));
    expect(allowedMutations.filter((call) => !seen.has(call.requestId))).toEqual([]);
  });
});
