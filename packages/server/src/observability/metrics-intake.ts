import { Gauge } from "prom-client";
import { sql, type Kysely } from "kysely";
import type { Database } from "../storage/schema.js";
import type { DeliveryOutcome, Metrics } from "./metrics.js";

// The intake's metrics: deliveries by outcome (read from the answer the endpoint gave,
// so there is one place that counts), the relay's rounds, and the outbox's depth read
// from PostgreSQL at scrape time, so that every intake replica reports the same backlog.

/** Scrapes within this long of each other share one query. */
export const OUTBOX_CACHE_MS = 5_000;

/** The outcome an intake answer stands for; `body.status` tells routed from ignored. */
export function deliveryOutcome(status: number, body: unknown): DeliveryOutcome {
  const fields: Record<string, unknown> =
    typeof body === "object" && body !== null ? Object.fromEntries(Object.entries(body)) : {};
  const field = (name: string): unknown => fields[name];
  if (status === 202) return field("status") === "ignored" ? "ignored" : "routed";
  if (status === 200) return field("duplicate") === true ? "duplicate" : "ignored";
  if (status === 401) return "rejected";
  if (status === 413) return "too_large";
  if (status === 422) return "failed";
  if (status >= 400 && status < 500) return "invalid";
  return "error";
}

/** One relay round's results, counted after its transaction committed. */
export function recordRelayRound(
  metrics: Metrics,
  round: {
    sentLatenciesMs: readonly number[];
    dropped: number;
    failed: number;
    deadLettered: number;
  },
): void {
  const { outboxSignals, intakeToWorkflowSeconds } = metrics;
  outboxSignals.inc({ result: "sent" }, round.sentLatenciesMs.length);
  outboxSignals.inc({ result: "dropped" }, round.dropped);
  outboxSignals.inc({ result: "failed" }, round.failed);
  outboxSignals.inc({ result: "dead_lettered" }, round.deadLettered);
  for (const ms of round.sentLatenciesMs) intakeToWorkflowSeconds.observe(ms / 1000);
}

export async function readOutbox(
  db: Kysely<Database>,
): Promise<{ pending: number; oldestSeconds: number; deadLettered: number }> {
  const { rows } = await sql<{ pending: number; oldest_seconds: number; dead_lettered: number }>`
    SELECT
      (SELECT count(*)::int FROM signal_outbox
        WHERE sent_at IS NULL AND dead_lettered_at IS NULL) AS pending,
      (SELECT coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM signal_outbox
        WHERE sent_at IS NULL AND dead_lettered_at IS NULL) AS oldest_seconds,
      (SELECT count(*)::int FROM signal_outbox WHERE dead_lettered_at IS NOT NULL) AS dead_lettered
  `.execute(db);
  const row = rows[0];
  return {
    pending: row?.pending ?? 0,
    oldestSeconds: row?.oldest_seconds ?? 0,
    deadLettered: row?.dead_lettered ?? 0,
  };
}

/** hangar_outbox_depth and friends, read at scrape time. */
export function registerOutboxGauges(
  metrics: Metrics,
  db: Kysely<Database>,
  options: { cacheMs?: number } = {},
): void {
  metrics.once("outbox-gauges", () => {
    const cacheMs = options.cacheMs ?? OUTBOX_CACHE_MS;
    let cached: { at: number; read: ReturnType<typeof readOutbox> } | null = null;
    const snapshot = () => {
      const now = Date.now();
      if (cached === null || now - cached.at >= cacheMs) {
        const read = readOutbox(db);
        read.catch(() => {
          if (cached?.read === read) cached = null;
        });
        cached = { at: now, read };
      }
      return cached.read;
    };
    const gauges = [
      ["pending", "hangar_outbox_depth", "Signals accepted but not yet delivered to Temporal."],
      [
        "oldestSeconds",
        "hangar_outbox_oldest_pending_seconds",
        "Age of the oldest signal not yet delivered to Temporal; 0 when none waits.",
      ],
      [
        "deadLettered",
        "hangar_outbox_dead_letters",
        "Signals set aside after too many refusals, waiting for an operator.",
      ],
    ] as const;
    for (const [field, name, help] of gauges) {
      new Gauge({
        name,
        help,
        registers: [metrics.registry],
        async collect() {
          this.set((await snapshot())[field]);
        },
      });
    }
  });
}
