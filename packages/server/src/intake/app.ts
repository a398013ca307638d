import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { sql } from "kysely";
import { deliveryOutcome } from "../observability/metrics-intake.js";
import type { Metrics } from "../observability/metrics.js";
import { describeError } from "./describe-error.js";
import { handleDelivery, type DeliveryHandlerDeps } from "./handle-delivery.js";

// The intake's HTTP surface: POST /webhooks/github, GET /healthz, GET /readyz.

export const WEBHOOK_PATH = "/webhooks/github";
export const DEFAULT_MAX_BODY_BYTES = 25 * 1024 * 1024;

export interface IntakeAppOptions extends DeliveryHandlerDeps {
  /**
   * GitHub's payloads go up to 25 MB. Fastify refuses a larger Content-Length before
   * reading any of the body, and stops reading a body that grows past it.
   */
  maxBodyBytes?: number;
  /** A stalled upload holds a connection; GitHub gives up after 10 s anyway. */
  requestTimeoutMs?: number;
  /** Counts every answer to a delivery by outcome. */
  metrics?: Metrics;
}

export function createIntakeApp(options: IntakeAppOptions): FastifyInstance {
  const { logger } = options;
  const app = Fastify({
    bodyLimit: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    // One line per delivery comes from handleDelivery; Fastify's own request lines
    // would double the log volume and say less.
    logger: false,
    return503OnClosing: true,
  });

  // The raw bytes are what the signature covers, so nothing may parse them first.
  // GitHub Apps send JSON only: every other content type is refused (415) by Fastify.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => {
    done(null, body);
  });

  app.post(WEBHOOK_PATH, async (request, reply) => {
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const response = await handleDelivery(options, { headers: request.headers, rawBody });
    options.metrics?.deliveries.inc({ outcome: deliveryOutcome(response.status, response.body) });
    return reply.code(response.status).send(response.body);
  });

  app.get("/healthz", () => ({ ok: true }));

  app.get("/readyz", async (_request, reply) => {
    try {
      await sql`SELECT 1`.execute(options.db);
      return { ok: true };
    } catch (error) {
      logger.warn(
        { error: describeError(error) },
        "readiness check failed: PostgreSQL unreachable",
      );
      return reply.code(503).send({ ok: false, error: "database unreachable" });
    }
  });

  // Fastify's own rejections (413 body too large, 415 media type, 400 content length)
  // keep their status with a short message; anything else is ours and is logged.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (request.url.split("?")[0] === WEBHOOK_PATH) {
      options.metrics?.deliveries.inc({ outcome: deliveryOutcome(status, null) });
    }
    if (status < 500) {
      logger.warn({ code: error.code, status, url: request.url }, "request rejected");
      return reply.code(status).send({ error: error.message });
    }
    logger.error({ error: describeError(error), url: request.url }, "request failed");
    return reply.code(500).send({ error: "internal error" });
  });

  return app;
}
