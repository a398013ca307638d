import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import type { FastifyInstance } from "fastify";
import { createLogger } from "../observability/logger.js";
import { createIntakeApp, DEFAULT_MAX_BODY_BYTES, WEBHOOK_PATH } from "./app.js";
import { createSignatureVerifier, signBody } from "./signature.js";
import { signedDelivery, workflowJobPayload, type SignedDelivery } from "./testing/payloads.js";

// The endpoint over a real database: every bad input gets its exact status and stores
// nothing; good ones are recorded once.

const SECRET = "current-webhook-secret-5d1c";
const PREVIOUS = "previous-webhook-secret-9a7e";
/** In every body sent, so the log can be searched for any trace of a body. */
const MARKER = "body-marker-3f9b2c";
const MAX_BYTES = 64 * 1024;

describe("POST /webhooks/github", () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  const logLines: string[] = [];

  beforeAll(async () => {
    database = await testDatabase();
    const logger = createLogger({
      level: "debug",
      destination: { write: (l) => logLines.push(l) },
    });
    app = createIntakeApp({
      db: database.db,
      pool: database.pool,
      verify: createSignatureVerifier([SECRET, PREVIOUS]),
      isHangarJob: (labels) => Promise.resolve(labels.includes("hangar-4cpu")),
      logger,
      maxBodyBytes: MAX_BYTES,
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });
  beforeEach(async () => {
    await database.db.deleteFrom("webhook_deliveries").execute();
  });

  const post = (delivery: SignedDelivery) =>
    app.inject({
      method: "POST",
      url: WEBHOOK_PATH,
      headers: delivery.headers,
      payload: delivery.body,
    });

  const job = (action: "queued" | "completed", jobId: number, labels = ["hangar-4cpu"]) => ({
    ...workflowJobPayload({ action, jobId, labels }),
    marker: MARKER,
  });

  async function stored() {
    const deliveries = await database.db
      .selectFrom("webhook_deliveries")
      .select(["delivery_guid", "event", "action", "status", "status_reason", "installation_id"])
      .execute();
    const outbox = await database.db
      .selectFrom("signal_outbox")
      .select(["workflow_id", "signal_name", "delivery_guid"])
      .execute();
    return { deliveries, outbox };
  }

  const valid = () =>
    signedDelivery({ secret: SECRET, event: "workflow_job", body: job("queued", 1) });
  const withHeaders = (headers: Record<string, string>, base = valid()): SignedDelivery => ({
    ...base,
    headers: { ...base.headers, ...headers },
  });
  const without = (name: string, base = valid()): SignedDelivery => ({
    ...base,
    headers: Object.fromEntries(Object.entries(base.headers).filter(([key]) => key !== name)),
  });
  const signedRaw = (raw: string, event = "workflow_job") =>
    signedDelivery({ secret: SECRET, event, body: Buffer.from(raw) });
  const reserialised = (): SignedDelivery => {
    const original = signedDelivery({
      secret: SECRET,
      event: "workflow_job",
      body: Buffer.from(JSON.stringify(job("queued", 2), null, 2)),
    });
    const compact = Buffer.from(JSON.stringify(JSON.parse(original.body.toString())));
    return { ...original, body: compact };
  };

  const badInputs: [string, () => SignedDelivery, number][] = [
    ["a body over the limit", () => signedRaw(`{"pad":"${"x".repeat(MAX_BYTES)}"}`), 413],
    ["a Content-Length that is not the body's", () => withHeaders({ "content-length": "10" }), 400],
    ["no signature", () => without("x-hub-signature-256"), 401],
    ["a malformed signature", () => withHeaders({ "x-hub-signature-256": "sha256=nothex" }), 401],
    [
      "a sha1= signature only",
      () => withHeaders({ "x-hub-signature-256": `sha1=${"a".repeat(40)}` }),
      401,
    ],
    [
      "a signature by another secret",
      () => withHeaders({ "x-hub-signature-256": signBody("wrong-secret", valid().body) }),
      401,
    ],
    ["a signature over a re-serialised body", reserialised, 401],
    ["malformed JSON, validly signed", () => signedRaw(`{"marker":"${MARKER}",`), 400],
    ["JSON that is not an object", () => signedRaw(`["${MARKER}"]`), 400],
    ["no X-GitHub-Event", () => without("x-github-event"), 400],
    ["no X-GitHub-Delivery", () => without("x-github-delivery"), 400],
    [
      "a delivery GUID over 100 characters",
      () => withHeaders({ "x-github-delivery": "a".repeat(101) }),
      400,
    ],
    ["a malformed event name", () => withHeaders({ "x-github-event": "Workflow Job" }), 400],
    ["another content type", () => withHeaders({ "content-type": "text/plain" }), 415],
    [
      "a form-encoded body",
      () => withHeaders({ "content-type": "application/x-www-form-urlencoded" }),
      415,
    ],
  ];

  it.each(badInputs)("answers %s with %i and stores nothing", async (_name, build, status) => {
    const response = await post(build());
    expect(response.statusCode).toBe(status);
    expect(response.json()).toHaveProperty("error");
    expect(await stored()).toEqual({ deliveries: [], outbox: [] });
  });

  it("routes a Hangar job: 202 after the delivery and its signal are committed", async () => {
    const delivery = signedDelivery({
      secret: SECRET,
      event: "workflow_job",
      body: job("queued", 77),
    });
    const response = await post(delivery);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ ok: true, status: "routed", signals: 1 });
    const { deliveries, outbox } = await stored();
    expect(deliveries).toEqual([
      expect.objectContaining({
        event: "workflow_job",
        action: "queued",
        status: "routed",
        installation_id: 101n,
      }),
    ]);
    expect(outbox).toEqual([
      {
        workflow_id: "job-77",
        signal_name: "jobEvent",
        delivery_guid: delivery.headers["x-github-delivery"],
      },
    ]);
  });

  it("accepts a JSON content type with parameters, and refuses a body without one", async () => {
    const delivery = signedDelivery({
      secret: SECRET,
      event: "workflow_job",
      body: job("queued", 82),
    });
    const charset = withHeaders({ "content-type": "application/json; charset=utf-8" }, delivery);
    expect((await post(charset)).statusCode).toBe(202);
    const bare = without(
      "content-type",
      signedDelivery({ secret: SECRET, event: "ping", body: {} }),
    );
    expect((await post(bare)).statusCode).toBe(415);
  });

  it("accepts a delivery signed with the previous secret during a rotation", async () => {
    const response = await post(
      signedDelivery({ secret: PREVIOUS, event: "workflow_job", body: job("queued", 78) }),
    );
    expect(response.statusCode).toBe(202);
    expect((await stored()).outbox).toHaveLength(1);
  });

  it("treats a replay of a GUID as a duplicate, even days later", async () => {
    const delivery = signedDelivery({
      secret: SECRET,
      event: "workflow_job",
      body: job("completed", 79),
    });
    expect((await post(delivery)).statusCode).toBe(202);
    const again = await post(delivery);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ duplicate: true });
    await database.db
      .updateTable("webhook_deliveries")
      .set({ received_at: new Date(Date.now() - 5 * 24 * 3600 * 1000) })
      .execute();
    expect((await post(delivery)).json()).toEqual({ duplicate: true });
    const { deliveries, outbox } = await stored();
    expect(deliveries).toHaveLength(1);
    expect(outbox).toHaveLength(1);
  });

  it.each([
    [
      "an unknown event",
      "issues",
      { action: "opened", marker: MARKER },
      "event issues not handled",
    ],
    [
      "an unknown action",
      "workflow_job",
      { action: "teleported", marker: MARKER },
      "workflow_job.teleported not handled",
    ],
    [
      "a job for other labels",
      "workflow_job",
      job("queued", 80, ["ubuntu-latest"]),
      "labels not served by Hangar",
    ],
    [
      "a push outside .github/workflows",
      "push",
      {
        ref: "refs/heads/main",
        after: "abc",
        repository: { id: 1, full_name: "a/b", owner: { login: "a" } },
        installation: { id: 1 },
        commits: [{ modified: ["README.md"] }],
      },
      "push changes no workflow files",
    ],
  ])(
    "answers %s with 202 and records it as ignored, with no signal",
    async (_name, event, body, reason) => {
      const response = await post(signedDelivery({ secret: SECRET, event, body }));
      expect(response.statusCode).toBe(202);
      expect(response.json()).toEqual({ ok: true, status: "ignored", reason });
      const { deliveries, outbox } = await stored();
      expect(deliveries).toEqual([
        expect.objectContaining({ event, status: "ignored", status_reason: reason }),
      ]);
      expect(outbox).toEqual([]);
    },
  );

  it("answers ping with 200 and records it as ignored", async () => {
    const response = await post(
      signedDelivery({ secret: SECRET, event: "ping", body: { zen: MARKER, hook_id: 1 } }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true });
    expect((await stored()).deliveries).toEqual([
      expect.objectContaining({ event: "ping", status: "ignored" }),
    ]);
  });

  it("records a handled event whose payload does not fit as failed (422), and retries it on redelivery", async () => {
    const broken = { ...job("queued", 81), workflow_job: { id: "not-a-number", marker: MARKER } };
    const delivery = signedDelivery({ secret: SECRET, event: "workflow_job", body: broken });
    const response = await post(delivery);
    expect(response.statusCode).toBe(422);
    expect(JSON.stringify(response.json())).not.toContain(MARKER);
    const { deliveries, outbox } = await stored();
    expect(deliveries).toEqual([expect.objectContaining({ status: "failed" })]);
    expect(deliveries[0]?.status_reason).toContain("workflow_job.id");
    expect(outbox).toEqual([]);
    // A failed delivery is not a duplicate: GitHub's redelivery is processed again.
    expect((await post(delivery)).statusCode).toBe(422);
  });

  it("has a 25 MiB default limit", () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(26_214_400);
  });

  it("never logs the secrets or a body", () => {
    const log = logLines.join("");
    expect(log.length).toBeGreaterThan(0);
    expect(log).toContain("delivery rejected");
    for (const secret of [SECRET, PREVIOUS, MARKER]) expect(log).not.toContain(secret);
  });
});
