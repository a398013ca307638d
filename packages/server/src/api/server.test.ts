import { request as http1Request } from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import { bearer, startHarness, tokenFor, type ApiHarness } from "./test/harness.js";

// The request pipeline over real sockets: both HTTP versions, plain JSON, tokens, request
// ids, the body limit, the rate limit and what an unexpected error shows.

let database: TestDatabase;
let temporal: TestTemporal;
let harness: ApiHarness;

beforeAll(async () => {
  database = await testDatabase();
  temporal = await testTemporal();
  harness = await startHarness({
    db: database.db,
    temporal,
    rateLimit: { perSecond: 1, burst: 3 },
    maxBodyBytes: 4096,
  });
});
afterAll(async () => {
  await harness.stop();
  await temporal.close();
  await database.close();
});

const getRunnerPath = "/hangar.v1.RunnerService/GetRunner";

async function postJson(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${harness.api.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function codeOf(promise: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

describe("the API server", () => {
  it("answers /healthz without a token", async () => {
    const response = await fetch(`${harness.api.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("serves the same RPC over HTTP/1.1, HTTP/2 and plain JSON", async () => {
    const token = await tokenFor(database.db, harness.tenant.workspaceId, "viewer");
    for (const version of ["1.1", "2"] as const) {
      const { runner } = await harness
        .client(version)
        .getRunner({ id: harness.tenant.runnerId }, bearer(token));
      expect(runner?.id).toBe(harness.tenant.runnerId);
    }
    const response = await postJson(
      getRunnerPath,
      { id: harness.tenant.runnerId },
      {
        authorization: `Bearer ${token}`,
      },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { runner: { id: string; installationId: string } };
    expect(body.runner.id).toBe(harness.tenant.runnerId);
    // int64 is a string in JSON.
    expect(body.runner.installationId).toBe(harness.tenant.installationId.toString());
  });

  it("refuses a missing, malformed, unknown, expired or revoked token", async () => {
    const client = harness.client();
    const id = { id: harness.tenant.runnerId };
    const cases: [string, Record<string, string>][] = [
      ["missing", {}],
      ["not bearer", { authorization: `Basic ${harness.tokens.roles.owner}` }],
      ["malformed", { authorization: "Bearer hgr_short" }],
      ["unknown", { authorization: `Bearer hgr_${"A".repeat(40)}` }],
      ["expired", bearer(harness.tokens.expired).headers],
      ["revoked", bearer(harness.tokens.revoked).headers],
    ];
    const messages: Record<string, string> = {};
    for (const [name, headers] of cases) {
      const error = await client.getRunner(id, { headers }).then(
        () => undefined,
        (thrown: unknown) => ConnectError.from(thrown),
      );
      expect(error?.code, name).toBe(Code.Unauthenticated);
      messages[name] = error?.rawMessage ?? "";
    }
    expect(messages["expired"]).toMatch(/expired/);
    expect(messages["revoked"]).toMatch(/revoked/);
    expect(messages["unknown"]).toBe("invalid API token");
  });

  it("echoes a sane x-request-id, replaces an unsafe one, and makes one up otherwise", async () => {
    const headers = { ...bearer(harness.tokens.roles.viewer).headers };
    const echoed = await postJson(
      getRunnerPath,
      { id: harness.tenant.runnerId },
      {
        ...headers,
        "x-request-id": "trace-abc.123",
      },
    );
    expect(echoed.headers.get("x-request-id")).toBe("trace-abc.123");
    const unsafe = await postJson(
      getRunnerPath,
      { id: harness.tenant.runnerId },
      {
        ...headers,
        "x-request-id": "bad id with spaces",
      },
    );
    expect(unsafe.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    // Errors carry one too: the id a caller quotes to an operator.
    const refused = await postJson(getRunnerPath, { id: "nope" });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses a body over the limit as resource_exhausted", async () => {
    const token = await tokenFor(database.db, harness.tenant.workspaceId, "viewer");
    const response = await postJson(
      getRunnerPath,
      { id: "x".repeat(10_000) },
      { authorization: `Bearer ${token}` },
    );
    const body = (await response.json()) as { code: string };
    expect(body.code).toBe("resource_exhausted");
  });

  it("maps malformed JSON and wrong types to invalid_argument", async () => {
    const token = await tokenFor(database.db, harness.tenant.workspaceId, "viewer");
    const auth = { authorization: `Bearer ${token}` };
    for (const body of ["{not json", '{"id": 12}', '{"id": ["a"]}', '{"unknownField": 1}']) {
      const response = await postJson(getRunnerPath, body, auth);
      const answer = (await response.json()) as { code: string };
      expect(answer.code, body).toBe("invalid_argument");
    }
  });

  it("limits each token's rate and says when to retry", async () => {
    const token = await tokenFor(database.db, harness.tenant.workspaceId, "viewer");
    const other = await tokenFor(database.db, harness.tenant.workspaceId, "viewer");
    const client = harness.client("2");
    const id = { id: harness.tenant.runnerId };
    // A burst of 3 at 1 per second: at least the fifth call in a row is refused, however
    // slowly this machine runs them (at most a few seconds refill a few tokens).
    const codes: (Code | "ok")[] = [];
    for (let i = 0; i < 12; i += 1) codes.push(await codeOf(client.getRunner(id, bearer(token))));
    expect(codes.slice(0, 3)).toEqual(["ok", "ok", "ok"]);
    expect(codes).toContain(Code.ResourceExhausted);
    const response = await postJson(getRunnerPath, id, { authorization: `Bearer ${token}` });
    if (response.status !== 200) {
      expect(response.status).toBe(429);
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      const body = (await response.json()) as { code: string; message: string };
      expect(body.code).toBe("resource_exhausted");
      expect(body.message).toMatch(/retry in \d+ s/);
    }
    // Another token is not affected.
    expect(await codeOf(client.getRunner(id, bearer(other)))).toBe("ok");
  });

  it("answers unknown paths with 404 and keeps HTTP/1.1 connections usable", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http1Request(`${harness.api.url}/nothing-here`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(404);
  });
});
