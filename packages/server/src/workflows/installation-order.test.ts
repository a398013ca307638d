import { Worker } from "@temporalio/worker";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@hangar/github-sim";
import {
  eventually,
  testDatabase,
  testTemporal,
  type TestDatabase,
  type TestTemporal,
} from "@hangar/testkit";
import { isolatedNamespace, type IsolatedNamespace } from "../../test/isolated-namespace.js";
import { workflowsPath } from "../workflow-bundle.js";
import { createInstallationActivities } from "../activities/installation.js";
import {
  createRecordingRunnerSide,
  createRunnerSideActivities,
} from "../activities/runner-side.js";
import { workflowIds } from "../domain/workflow-names.js";
import { createGitHubApp } from "../github/app-client.js";
import { createIntakeApp, WEBHOOK_PATH } from "../intake/app.js";
import { listenForOutbox } from "../intake/outbox-listener.js";
import { createOutboxRelay, type OutboxRelay } from "../intake/outbox-relay.js";
import { createSignatureVerifier } from "../intake/signature.js";
import { createLogger } from "../observability/logger.js";
import { installationStateQuery, type InstallationState } from "./installation.js";

// GitHub does not order its deliveries: the simulator sends a suspend and an unsuspend
// in swapped order, through the real intake and relay, to the installation workflow.
// What is recorded must be GitHub's final state, not the last delivery's. A namespace
// of its own: the simulator's installation ids repeat across test files and runs.

let database: TestDatabase;
let temporal: TestTemporal;
let isolated: IsolatedNamespace;
let sim: Simulator;
let worker: Worker;
let running: Promise<void>;
let app: FastifyInstance;
let relay: OutboxRelay;
let webhookUrl: string;
const runnerSide = createRecordingRunnerSide();
const logger = createLogger({ level: "silent" });

beforeAll(async () => {
  [database, temporal, sim] = await Promise.all([
    testDatabase({ max: 8 }),
    testTemporal(),
    startSimulator({ autoTick: true }),
  ]);
  isolated = await isolatedNamespace(temporal);
  const github = createGitHubApp({
    apiUrl: sim.url,
    appId: sim.app.id,
    privateKeyPem: sim.app.privateKeyPem,
  });
  worker = await Worker.create({
    connection: temporal.workerConnection,
    namespace: isolated.namespace,
    taskQueue: temporal.taskQueue,
    workflowsPath,
    activities: {
      ...createInstallationActivities({ db: database.db, github }),
      ...createRunnerSideActivities({ runnerSide }),
    },
  });
  running = worker.run();
  app = createIntakeApp({
    db: database.db,
    pool: database.pool,
    verify: createSignatureVerifier([sim.app.webhookSecret]),
    isHangarJob: () => Promise.resolve(true),
    logger,
  });
  webhookUrl = `${await app.listen({ host: "127.0.0.1", port: 0 })}${WEBHOOK_PATH}`;
  relay = createOutboxRelay({
    db: database.db,
    temporal: { client: isolated.client, taskQueue: temporal.taskQueue },
    logger,
    pollIntervalMs: 200,
    wakeUps: listenForOutbox(database.pool, logger),
  });
  await relay.start();
  await sim.control.setWebhookUrl(webhookUrl);
});

afterAll(async () => {
  await app.close();
  await relay.stop();
  worker.shutdown();
  await running;
  // Installation workflows live as long as their installation; this ends them.
  await isolated.drop();
  await Promise.all([database.close(), temporal.close(), sim.close()]);
});

const installationRow = (id: number) =>
  database.db
    .selectFrom("github_installations")
    .selectAll()
    .where("installation_id", "=", BigInt(id))
    .executeTakeFirst();

/**
 * Times the workflow asked GitHub for the installation, and whether it has work in hand:
 * the server schedules the next workflow task in the same write that completes an
 * activity, so no pending activity and no pending task means it is idle.
 */
async function suspensionReads(id: number): Promise<{ reads: number; busy: boolean }> {
  const handle = isolated.client.workflow.getHandle(workflowIds.installation(id));
  const history = await handle.fetchHistory();
  const reads = (history.events ?? []).filter(
    (e) =>
      e.activityTaskScheduledEventAttributes?.activityType?.name === "readInstallationSuspension",
  ).length;
  const description = await handle.describe();
  const { pendingActivities, pendingWorkflowTask } = description.raw;
  return { reads, busy: (pendingActivities ?? []).length > 0 || pendingWorkflowTask != null };
}

/** Waits until the workflow has read GitHub `reads` times and finished what followed. */
async function settled(id: number, reads: number): Promise<InstallationState> {
  const handle = isolated.client.workflow.getHandle(workflowIds.installation(id));
  return eventually(
    `installation ${id} to apply ${reads} suspension signals`,
    async () => {
      const seen = await suspensionReads(id);
      if (seen.reads < reads || seen.busy) return undefined;
      return handle.query(installationStateQuery);
    },
    30_000,
  );
}

/** The actions of the installation's suspend/unsuspend deliveries, in arrival order. */
async function arrivals(id: number): Promise<string[]> {
  const rows = await database.db
    .selectFrom("webhook_deliveries")
    .select("action")
    .where("installation_id", "=", BigInt(id))
    .where("action", "in", ["suspend", "unsuspend"])
    .orderBy("received_at")
    .execute();
  return rows.map((r) => r.action ?? "");
}

/** GitHub changes state twice; its two deliveries leave in the opposite order. */
async function swapped(change: () => Promise<void>): Promise<void> {
  await sim.control.setWebhookUrl(null);
  await change();
  await sim.control.setChaos({ reorder: true });
  await sim.control.setWebhookUrl(webhookUrl);
  await sim.control.drainDeliveries();
  await sim.control.setChaos({});
}

async function installed(login: string): Promise<number> {
  const created = await sim.control.createInstallation({
    account: { login, type: "Organization" },
    repositories: ["app"],
  });
  const id = created.installationId;
  await sim.control.drainDeliveries();
  await eventually(`installation ${id} recorded`, async () =>
    (await installationRow(id))?.state === "active" ? true : undefined,
  );
  // And synced: a sync still running when the test suspends could not get a token.
  await settled(id, 0);
  return id;
}

describe("installation suspension delivered out of order", () => {
  it("stays active when unsuspend arrives before the suspend GitHub sent first", async () => {
    const id = await installed("hooli");
    await swapped(async () => {
      await sim.control.suspendInstallation(id);
      await sim.control.unsuspendInstallation(id);
    });
    expect(await arrivals(id)).toEqual(["unsuspend", "suspend"]);

    const state = await settled(id, 2);
    expect(state.status).toBe("installed");
    expect(await installationRow(id)).toMatchObject({ state: "active", suspended_at: null });
    // Active throughout as far as the runners are concerned: nothing was torn down.
    const ops = runnerSide.calls.flatMap((c) =>
      c.op !== "jobDemand" && c.installationId === id ? [c.op] : [],
    );
    expect(ops).toEqual(["prepareInstallation"]);
  });

  it("stays suspended when suspend arrives before the unsuspend GitHub sent first", async () => {
    const id = await installed("pied-piper");
    await sim.control.suspendInstallation(id);
    await sim.control.drainDeliveries();
    await settled(id, 1);
    await swapped(async () => {
      await sim.control.unsuspendInstallation(id);
      await sim.control.suspendInstallation(id);
    });
    expect(await arrivals(id)).toEqual(["suspend", "suspend", "unsuspend"]);

    const state = await settled(id, 3);
    expect(state.status).toBe("suspended");
    const suspendedAt = (await sim.control.installations()).find((i) => i.id === id)?.suspendedAt;
    const row = await installationRow(id);
    expect(row?.state).toBe("suspended");
    // GitHub's time of the second suspension, read back from GitHub.
    expect(row?.suspended_at?.toISOString()).toBe(new Date(suspendedAt!).toISOString());
  });
});
