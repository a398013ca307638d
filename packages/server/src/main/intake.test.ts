import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import { signedDelivery } from "../intake/testing/payloads.js";
import { createLogger } from "../observability/logger.js";
import { startIntake } from "./intake.js";

describe("startIntake", () => {
  let database: TestDatabase;
  let temporal: TestTemporal;
  beforeAll(async () => {
    [database, temporal] = await Promise.all([testDatabase(), testTemporal()]);
  });
  afterAll(async () => {
    await Promise.all([database.close(), temporal.close()]);
  });

  it("serves the webhook endpoint and health checks on a free port, and stops", async () => {
    const intake = await startIntake({
      db: database.db,
      pool: database.pool,
      temporalClient: temporal.client,
      taskQueue: temporal.taskQueue,
      logger: createLogger({ level: "silent" }),
      webhookSecrets: ["a-current-secret", "a-previous-secret"],
      maxBodyBytes: 1024 * 1024,
      host: "127.0.0.1",
      port: 0,
    });
    try {
      expect(intake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(intake.relay).toBeDefined();
      const ping = signedDelivery({
        secret: "a-previous-secret",
        event: "ping",
        body: { zen: "hi" },
      });
      const response = await fetch(`${intake.url}/webhooks/github`, {
        method: "POST",
        headers: ping.headers,
        body: ping.body,
      });
      expect(response.status).toBe(200);
      expect((await fetch(`${intake.url}/readyz`)).status).toBe(200);
    } finally {
      await intake.stop();
    }
    await expect(fetch(`${intake.url}/healthz`)).rejects.toThrow();
  });
});
