import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context } from "@opentelemetry/api";
import { restartableWorkflowTypes } from "../domain/workflow-names.js";
import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type Workflow,
} from "@temporalio/client";
import type { Kysely } from "kysely";
import type { Logger } from "../observability/logger.js";
import { contextFromTraceParent, withSpan } from "../observability/tracing-context.js";
import { recordRelayRound } from "../observability/metrics-intake.js";
import type { Metrics } from "../observability/metrics.js";
import type { Database } from "../storage/schema.js";
import { describeError } from "./describe-error.js";
import { relayBatch, type ClaimedSignal, type SendResult } from "./outbox-claims.js";
import type { OutboxWakeUps } from "./outbox-listener.js";
import { createRelayStats, type RelayStats } from "./relay-stats.js";
import { classifySendFailure } from "./temporal-failures.js";

// Forwards the signal outbox to Temporal. A Temporal outage only delays signals: the
// intake keeps accepting deliveries into the outbox, and each row that failed for want
// of Temporal is retried with capped exponential backoff until Temporal takes it. A row
// Temporal refuses for any other reason is dead-lettered after `maxAttempts` such
// refusals, so that it stops holding back its workflow's later rows.

export interface OutboxRelayOptions {
  db: Kysely<Database>;
  temporal: { client: Client; taskQueue: string };
  logger: Logger;
  /** Rows claimed per round; at most one per workflow, sent concurrently. */
  batchSize?: number;
  /** The fallback when no notification comes (missed, or a retry becoming due). */
  pollIntervalMs?: number;
  /** Prompt wake-ups after inserts (LISTEN/NOTIFY); without them the relay only polls. */
  wakeUps?: OutboxWakeUps;
  /** A hung call must not hold its batch's row locks for long. */
  sendTimeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  /** Permanent failures (not unavailability) after which a row is dead-lettered. */
  maxAttempts?: number;
  metrics?: Metrics;
}

export const DEFAULT_MAX_ATTEMPTS = 10;

export interface OutboxRelay {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Looks for due rows now (what a notification does). */
  wake(): void;
  stats(): RelayStats;
}

/**
 * Signals reach only running workflows, or start new ones where the last run failed:
 * a workflow that completed has finished its business (a job reached `completed`, an
 * installation was deleted), and a late or duplicate event must not start it afresh
 * as a zombie waiting for events that will never come. Such a signal is recorded as
 * dropped (sent_at set, last_error says why). ALLOW_DUPLICATE_FAILED_ONLY still lets a
 * failed or terminated workflow be restarted by its next event. Workflows that end when
 * idle (domain/workflow-names.ts) are started afresh by their next event instead.
 */
const reusePolicy = (workflowType: string): "ALLOW_DUPLICATE" | "ALLOW_DUPLICATE_FAILED_ONLY" =>
  restartableWorkflowTypes.has(workflowType) ? "ALLOW_DUPLICATE" : "ALLOW_DUPLICATE_FAILED_ONLY";

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { db, logger } = options;
  const { client, taskQueue } = options.temporal;
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const sendTimeoutMs = options.sendTimeoutMs ?? 10_000;
  const backoff = options.backoff ?? { initialMs: 500, maxMs: 30_000 };
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const stats = createRelayStats();

  let running = false;
  let poll: NodeJS.Timeout | undefined;
  let draining: Promise<void> | undefined;
  let wokenWhileDraining = false;

  const retryDelay = (attempts: number): number => {
    const delay = Math.min(backoff.initialMs * 2 ** Math.min(attempts, 30), backoff.maxMs);
    // ±20% jitter, so rows that failed together do not all retry in the same instant.
    return delay * (0.8 + Math.random() * 0.4);
  };

  // Each send continues the trace of the delivery that enqueued the row; the Temporal
  // client's interceptor carries it on into the workflow.
  const sendOne = (row: ClaimedSignal): Promise<SendResult> =>
    withSpan(
      "outbox relay",
      {
        kind: SpanKind.PRODUCER,
        parent: contextFromTraceParent(row.traceParent),
        attributes: {
          "temporal.workflow_id": row.workflowId,
          "temporal.workflow_type": row.workflowType,
          "temporal.signal": row.signalName,
          "hangar.outbox.attempts": row.attempts,
          ...(row.deliveryGuid === null ? {} : { "github.delivery": row.deliveryGuid }),
        },
      },
      async (span) => {
        const result = await send(row);
        span.setAttribute("hangar.outbox.result", result.kind);
        if (result.kind === "failed" || result.kind === "dead-lettered") {
          span.setStatus({ code: SpanStatusCode.ERROR, message: result.kind });
        }
        return result;
      },
    );

  const send = async (row: ClaimedSignal): Promise<SendResult> => {
    try {
      await client.withDeadline(Date.now() + sendTimeoutMs, () =>
        client.workflow.signalWithStart<Workflow, [unknown]>(row.workflowType, {
          workflowId: row.workflowId,
          taskQueue,
          signal: row.signalName,
          signalArgs: [row.args],
          args: [],
          workflowIdReusePolicy: reusePolicy(row.workflowType),
        }),
      );
      return { id: row.id, kind: "sent" };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        return { id: row.id, kind: "dropped", reason: "workflow already completed" };
      }
      const text = errorText(error);
      const permanent = classifySendFailure(error) === "permanent";
      if (permanent && row.permanentFailures + 1 >= maxAttempts) {
        return { id: row.id, kind: "dead-lettered", error: text };
      }
      return {
        id: row.id,
        kind: "failed",
        error: text,
        permanent,
        retryInMs: retryDelay(row.attempts),
      };
    }
  };

  const once = async (): Promise<number> => {
    const round = await relayBatch(db, batchSize, (rows) => Promise.all(rows.map(sendOne)));
    if (round.claimed === 0) return 0;
    stats.batch();
    const latency = (kind: SendResult["kind"]): number[] =>
      round.results.flatMap((r) => (r.kind === kind ? [round.latenciesMs.get(r.id) ?? 0] : []));
    const sent = latency("sent");
    const dropped = latency("dropped");
    const failed = round.results.filter((r) => r.kind === "failed");
    stats.sent(sent);
    stats.dropped(dropped);
    stats.failed(failed.length);
    stats.deadLettered(round.deadLetters.length);
    if (options.metrics) {
      recordRelayRound(options.metrics, {
        sentLatenciesMs: sent,
        dropped: dropped.length,
        failed: failed.length,
        deadLettered: round.deadLetters.length,
      });
    }
    const maxLatencyMs = Math.round(Math.max(0, ...sent));
    logger.debug(
      { claimed: round.claimed, sent: sent.length, dropped: dropped.length, maxLatencyMs },
      "outbox batch relayed",
    );
    const firstFailure = failed[0];
    if (firstFailure !== undefined) {
      logger.warn(
        { failed: failed.length, error: firstFailure.error },
        "signals not delivered to Temporal; will retry",
      );
    }
    const reasons = new Map(
      round.results.flatMap((r) => (r.kind === "dead-lettered" ? [[r.id, r.error]] : [])),
    );
    for (const dead of round.deadLetters) {
      logger.error(
        { ...dead, id: dead.id.toString(), error: reasons.get(dead.id) },
        "signal dead-lettered: Temporal refused it too often; the workflow's later signals proceed",
      );
    }
    return round.claimed;
  };

  // A function, so the compiler does not assume the flag unchanged across awaits.
  const wokenSince = (): boolean => wokenWhileDraining;

  const drain = async (): Promise<void> => {
    for (;;) {
      wokenWhileDraining = false;
      try {
        // Until a round finds nothing: a full batch suggests more is waiting, and a sent
        // row unblocks its workflow's next row, which no notification announces.
        let claimed = 1;
        while (running && claimed > 0) claimed = await once();
      } catch (error) {
        logger.error({ error: describeError(error) }, "outbox relay round failed");
        return;
      }
      if (!running || !wokenSince()) return;
    }
  };

  const wake = (): void => {
    if (!running) return;
    if (draining !== undefined) {
      wokenWhileDraining = true;
      return;
    }
    // Rounds belong to no request: without the root context, a drain woken inside a
    // delivery's span would log every later round under that delivery's trace.
    draining = context.with(ROOT_CONTEXT, drain).finally(() => {
      draining = undefined;
    });
  };

  return {
    async start() {
      if (running) return;
      running = true;
      await options.wakeUps?.start(wake);
      poll = setInterval(wake, pollIntervalMs);
      wake();
      logger.info({ taskQueue, batchSize, pollIntervalMs }, "outbox relay started");
    },
    async stop() {
      if (!running) return;
      running = false;
      clearInterval(poll);
      await options.wakeUps?.stop();
      await draining;
      logger.info({ stats: stats.snapshot() }, "outbox relay stopped");
    },
    wake,
    stats: () => stats.snapshot(),
  };
}

/** Name and message, with the causes' messages: the client's own says only which call failed. */
function errorText(error: unknown): string {
  const { name, message } = describeError(error);
  const parts = [`${name}: ${message}`];
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; depth < 3 && cause instanceof Error; depth += 1) {
    parts.push(cause.message);
    cause = cause.cause;
  }
  return parts.join(": ").slice(0, 1_000);
}
