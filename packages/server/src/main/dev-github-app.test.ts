import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePorts,
  privateTemporal,
  testDatabase,
  uniqueSuffix,
  type PrivateTemporal,
  type TestDatabase,
} from "@hangar/testkit";
import { loadConfig } from "../config/load.js";
import { signedDelivery } from "../intake/testing/payloads.js";
import { createLogger } from "../observability/logger.js";
import { startDev, type RunningDev } from "./dev.js";

// With GitHub App credentials, the dev role (what `npm start` runs) talks to GitHub as
// that App: no simulator, no demo tenant and no demo token, and the intake takes only
// deliveries signed with the App's webhook secret. A Temporal server of its own, since
// the dev role starts the namespace-wide redelivery reconciler.

const webhookSecret = `secret-${uniqueSuffix()}`;

describe("startDev with a GitHub App configured", () => {
  let database: TestDatabase;
  let temporal: PrivateTemporal;
  let dev: RunningDev | undefined;
  let simulatorPort: number;

  beforeAll(async () => {
    [database, temporal] = await Promise.all([testDatabase(), privateTemporal()]);
    [simulatorPort = 0] = await freePorts(1);
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const config = loadConfig({
      HANGAR_ROLE: "dev",
      HANGAR_DATABASE_URL: database.url,
      HANGAR_TEMPORAL_ADDRESS: temporal.address,
      HANGAR_TEMPORAL_NAMESPACE: temporal.namespace,
      HANGAR_TEMPORAL_TASK_QUEUE: `dev-app-${uniqueSuffix()}`,
      HANGAR_INTAKE_PORT: "0",
      HANGAR_API_PORT: "0",
      HANGAR_METRICS_PORT: "0",
      HANGAR_SIMULATOR_PORT: String(simulatorPort),
      // Nothing listens there: starting must not need GitHub.
      HANGAR_GITHUB_API_URL: "http://127.0.0.1:9",
      HANGAR_GITHUB_APP_ID: "123456",
      HANGAR_GITHUB_PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      HANGAR_GITHUB_WEBHOOK_SECRET: webhookSecret,
    });
    expect(config.github.mode).toBe("app");
    dev = await startDev(config, createLogger({ level: "silent" }), {
      kubernetesUnavailable: "not needed to tell App mode from the simulator",
    });
  }, 240_000);

  afterAll(async () => {
    await dev?.stop();
    await Promise.all([database.close(), temporal.close()]);
  });

  it("starts no simulator, no demo and no demo token", async () => {
    const running = dev as RunningDev;
    expect(running.simulatorUrl).toBeUndefined();
    expect(running.demo).toBeUndefined();
    expect(running.demoApi).toBeUndefined();
    expect(running.roles.running).not.toContain("github-simulator");
    expect(running.roles.running).toEqual(expect.arrayContaining(["intake", "api", "worker"]));
    const workspaces = await database.db.selectFrom("workspaces").select("slug").execute();
    expect(workspaces.map((w) => w.slug)).not.toContain("demo");
    // The simulator's port was left alone.
    await expect(fetch(`http://127.0.0.1:${simulatorPort}/`)).rejects.toThrow();
  });

  it("takes deliveries signed with the App's webhook secret, and only those", async () => {
    const url = `${(dev as RunningDev).intakeUrl}/webhooks/github`;
    const post = (secret: string) => {
      const ping = signedDelivery({ secret, event: "ping", body: { zen: "hi" } });
      return fetch(url, { method: "POST", headers: ping.headers, body: ping.body });
    };
    expect((await post(webhookSecret)).status).toBe(200);
    expect((await post("not-the-secret")).status).toBe(401);
  });
});
