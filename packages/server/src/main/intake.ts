import type { Client } from "@temporalio/client";
import type { Kysely } from "kysely";
import type pg from "pg";
import { createIntakeApp } from "../intake/app.js";
import { pruneDeliveries } from "../intake/deliveries.js";
import { describeError } from "../intake/describe-error.js";
import { createLabelMatcher, type IsHangarJob } from "../intake/label-matcher.js";
import { listenForOutbox } from "../intake/outbox-listener.js";
import { createOutboxRelay, type OutboxRelay } from "../intake/outbox-relay.js";
import { createSignatureVerifier } from "../intake/signature.js";
import type { Logger } from "../observability/logger.js";
import { registerOutboxGauges } from "../observability/metrics-intake.js";
import {
  serveMetrics,
  type MetricsServer,
  type RoleMetrics,
} from "../observability/metrics-server.js";
import type { Database } from "../storage/schema.js";

export interface IntakeDeps {
  db: Kysely<Database>;
  /**
   * The pool behind `db`: deliveries are written through it as a prepared statement,
   * and one of its connections LISTENs for new outbox rows. Optional, but without it
   * the intake accepts about half as many deliveries and the relay only polls.
   */
  pool?: pg.Pool;
  temporalClient: Client;
  taskQueue: string;
  logger: Logger;
  /** Current secret first, then the previous one while a rotation is under way. */
  webhookSecrets: string[];
  maxBodyBytes: number;
  host: string;
  /** 0 picks a free port (see `url`). */
  port: number;
  isHangarJob?: IsHangarJob;
  /** false runs the HTTP side only (another process relays); otherwise relay tuning. */
  relay?: false | { batchSize?: number; pollIntervalMs?: number; maxAttempts?: number };
  /** How often old deliveries are pruned; 0 disables pruning in this process. */
  pruneIntervalMs?: number;
  /** Deliveries, relay rounds and the outbox's depth, served on the metrics port. */
  metrics?: RoleMetrics;
}

export interface RunningIntake {
  url: string;
  /** Where /metrics is served, when this role serves it. */
  metricsUrl: string | undefined;
  relay: OutboxRelay | undefined;
  stop(): Promise<void>;
}

/**
 * The intake role: the webhook endpoint, the outbox relay and delivery retention.
 * Every replica runs all three; the relay's row locks and the idempotent prune make
 * that safe. Config is read by the caller (main/dev.ts or a future main/intake
 * entry point), which passes plain values in.
 */
export async function startIntake(deps: IntakeDeps): Promise<RunningIntake> {
  const logger = deps.logger.child({ subsystem: "intake" });
  const app = createIntakeApp({
    db: deps.db,
    ...(deps.pool ? { pool: deps.pool } : {}),
    verify: createSignatureVerifier(deps.webhookSecrets),
    isHangarJob: deps.isHangarJob ?? createLabelMatcher(deps.db, { ttlMs: 5_000 }),
    logger,
    maxBodyBytes: deps.maxBodyBytes,
    ...(deps.metrics ? { metrics: deps.metrics.metrics } : {}),
  });

  const relay =
    deps.relay === false
      ? undefined
      : createOutboxRelay({
          db: deps.db,
          temporal: { client: deps.temporalClient, taskQueue: deps.taskQueue },
          logger: deps.logger.child({ subsystem: "outbox-relay" }),
          ...(deps.pool ? { wakeUps: listenForOutbox(deps.pool, logger) } : {}),
          ...(deps.metrics ? { metrics: deps.metrics.metrics } : {}),
          ...deps.relay,
        });
  if (deps.metrics) registerOutboxGauges(deps.metrics.metrics, deps.db);

  const pruneIntervalMs = deps.pruneIntervalMs ?? 60 * 60 * 1000;
  const prune = async (): Promise<void> => {
    try {
      const deleted = await pruneDeliveries(deps.db);
      if (deleted > 0) logger.info({ deleted }, "old webhook deliveries pruned");
    } catch (error) {
      logger.warn({ error: describeError(error) }, "pruning webhook deliveries failed");
    }
  };
  const pruneTimer =
    pruneIntervalMs > 0 ? setInterval(() => void prune(), pruneIntervalMs) : undefined;

  let metricsServer: MetricsServer | undefined;
  try {
    const listen = deps.metrics?.listen;
    if (deps.metrics && listen)
      metricsServer = await serveMetrics(deps.metrics.metrics, listen, logger);
    await relay?.start();
    await app.listen({ host: deps.host, port: deps.port });
  } catch (error) {
    clearInterval(pruneTimer);
    await relay?.stop();
    await app.close();
    await metricsServer?.stop();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : deps.port;
  const host = deps.host.includes(":") ? `[${deps.host}]` : deps.host;
  const url = `http://${host}:${port}`;
  logger.info({ url, relay: relay !== undefined }, "intake listening");

  return {
    url,
    metricsUrl: metricsServer?.url,
    relay,
    async stop() {
      clearInterval(pruneTimer);
      // HTTP first, so nothing is accepted that the relay would then leave behind.
      await app.close();
      await relay?.stop();
      await metricsServer?.stop();
    },
  };
}
