import { startSimulator, type Simulator } from "@hangar/github-sim";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import type { FastifyInstance } from "fastify";
import { createGitHubApp } from "../github/app-client.js";
import type { GitHubApp } from "../github/types.js";
import { createIntakeApp, DEFAULT_MAX_BODY_BYTES, WEBHOOK_PATH } from "../intake/app.js";
import { createSignatureVerifier } from "../intake/signature.js";
import { createLogger } from "../observability/logger.js";

// Test-only: the GitHub simulator delivering to the intake's real HTTP side, which
// records deliveries in a test database. The relay is left out: what the reconciler
// cares about is whether a GUID was recorded, not what happens to its signals.

export interface RedeliveryRig {
  database: TestDatabase;
  sim: Simulator;
  github: GitHubApp;
  /** GUIDs in webhook_deliveries. */
  recorded(): Promise<Set<string>>;
  /** GUIDs whose only attempts so far were dropped by chaos. */
  droppedGuids(): Promise<Set<string>>;
  /** Redelivery attempts per GUID, as the simulator logged them. */
  redeliveriesByGuid(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

export async function startRedeliveryRig(): Promise<RedeliveryRig> {
  const [database, sim] = await Promise.all([testDatabase(), startSimulator({ autoTick: true })]);
  const intake: FastifyInstance = createIntakeApp({
    db: database.db,
    pool: database.pool,
    verify: createSignatureVerifier([sim.app.webhookSecret]),
    // Every job counts as Hangar's, so no runner configuration is needed to record it.
    isHangarJob: () => Promise.resolve(true),
    logger: createLogger({ level: "silent" }),
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  });
  const address = await intake.listen({ host: "127.0.0.1", port: 0 });
  await sim.control.setWebhookUrl(`${address}${WEBHOOK_PATH}`);
  const github = createGitHubApp({
    apiUrl: sim.url,
    appId: sim.app.id,
    privateKeyPem: sim.app.privateKeyPem,
  });

  return {
    database,
    sim,
    github,
    async recorded() {
      const rows = await database.db
        .selectFrom("webhook_deliveries")
        .select("delivery_guid")
        .execute();
      return new Set(rows.map((r) => r.delivery_guid));
    },
    async droppedGuids() {
      const attempts = await sim.control.deliveries();
      const dropped = new Set(attempts.filter((d) => d.status === "dropped").map((d) => d.guid));
      for (const d of attempts) if (d.status === "delivered") dropped.delete(d.guid);
      return dropped;
    },
    async redeliveriesByGuid() {
      const counts = new Map<string, number>();
      for (const d of await sim.control.deliveries()) {
        if (d.redelivery) counts.set(d.guid, (counts.get(d.guid) ?? 0) + 1);
      }
      return counts;
    },
    async close() {
      await intake.close();
      await Promise.all([database.close(), sim.close()]);
    },
  };
}
