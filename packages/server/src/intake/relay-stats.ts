// Counters and a latency histogram for the outbox relay, kept in memory until metrics
// are wired: stats() hands out a snapshot that an exporter can translate one to one.

/** Upper bounds (ms) of the delivery → signal latency buckets; the last is +Inf. */
export const LATENCY_BUCKETS_MS = [
  5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000,
] as const;

export interface RelayStats {
  /** Signals Temporal accepted. */
  sent: number;
  /** signalWithStart calls that failed and were scheduled again. */
  failedAttempts: number;
  /** Signals for workflows that had already completed, dropped on purpose. */
  droppedClosed: number;
  /** Signals set aside after too many permanent failures (see dead-letters.ts). */
  deadLettered: number;
  /** Claim rounds that found work. */
  batches: number;
  /** received_at → sent_at, in milliseconds. */
  latencyMs: {
    count: number;
    sum: number;
    max: number;
    /** Cumulative counts per upper bound, Prometheus style; `le: null` is +Inf. */
    buckets: { le: number | null; count: number }[];
  };
}

export interface RelayStatsRecorder {
  sent(latenciesMs: readonly number[]): void;
  failed(count: number): void;
  dropped(latenciesMs: readonly number[]): void;
  deadLettered(count: number): void;
  batch(): void;
  snapshot(): RelayStats;
}

export function createRelayStats(): RelayStatsRecorder {
  let sent = 0;
  let failedAttempts = 0;
  let droppedClosed = 0;
  let deadLettered = 0;
  let batches = 0;
  let count = 0;
  let sum = 0;
  let max = 0;
  const bucketCounts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  const observe = (ms: number): void => {
    count += 1;
    sum += ms;
    max = Math.max(max, ms);
    const index = LATENCY_BUCKETS_MS.findIndex((le) => ms <= le);
    const slot = index === -1 ? LATENCY_BUCKETS_MS.length : index;
    bucketCounts[slot] = (bucketCounts[slot] ?? 0) + 1;
  };
  return {
    sent(latencies) {
      sent += latencies.length;
      latencies.forEach(observe);
    },
    failed(n) {
      failedAttempts += n;
    },
    dropped(latencies) {
      droppedClosed += latencies.length;
    },
    deadLettered(n) {
      deadLettered += n;
    },
    batch() {
      batches += 1;
    },
    snapshot() {
      let cumulative = 0;
      const buckets = bucketCounts.map((n, i) => {
        cumulative += n;
        return { le: LATENCY_BUCKETS_MS[i] ?? null, count: cumulative };
      });
      return {
        sent,
        failedAttempts,
        droppedClosed,
        deadLettered,
        batches,
        latencyMs: { count, sum, max, buckets },
      };
    },
  };
}

/** The smallest bucket bound holding quantile q (0..1); null when nothing was observed. */
export function latencyQuantileBound(stats: RelayStats, q: number): number | null {
  const { count, buckets } = stats.latencyMs;
  if (count === 0) return null;
  const rank = Math.ceil(q * count);
  const bucket = buckets.find((b) => b.count >= rank);
  return bucket?.le ?? Number.POSITIVE_INFINITY;
}
