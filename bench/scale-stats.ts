// The arithmetic of bench/scale.ts, kept apart from the services so it reads on its own.

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank quantile (q in 0..1): a value that was measured, never an interpolation. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function summarize(samples: readonly number[]): LatencySummary {
  const total = samples.reduce((sum, value) => sum + value, 0);
  return {
    count: samples.length,
    p50: quantile(samples, 0.5),
    p99: quantile(samples, 0.99),
    max: samples.length === 0 ? Number.NaN : Math.max(...samples),
    mean: samples.length === 0 ? Number.NaN : total / samples.length,
  };
}

/**
 * The rate a budget-bound stream keeps up, per minute. A budget of `perWindow` events per
 * window lets the first `perWindow` through at once and then paces the rest, so a plain
 * count over the burst's duration overstates the rate (the first window is free) by an
 * amount that depends on the burst's length. Instead: how long each run of `perWindow`
 * consecutive events takes once the first window is spent (event i − perWindow to event
 * i), its median, and `perWindow` per that time. A stream held back only by the budget
 * takes one window per run. Null when there are not more events than one window holds:
 * the budget never bound.
 */
export function sustainedPerMinute(timesMs: readonly number[], perWindow: number): number | null {
  const sorted = [...timesMs].sort((a, b) => a - b);
  const spans: number[] = [];
  for (let i = perWindow; i < sorted.length; i += 1) {
    spans.push((sorted[i] ?? 0) - (sorted[i - perWindow] ?? 0));
  }
  if (spans.length === 0) return null;
  const span = quantile(spans, 0.5);
  return span <= 0 ? Number.POSITIVE_INFINITY : (perWindow * 60_000) / span;
}

/** Events per minute between the first and the last: what the burst looked like overall. */
export function overallPerMinute(timesMs: readonly number[]): number | null {
  if (timesMs.length < 2) return null;
  const first = Math.min(...timesMs);
  const last = Math.max(...timesMs);
  return last === first ? null : ((timesMs.length - 1) * 60_000) / (last - first);
}

/**
 * Counts per time bucket for several series (ms after a common start): one row per
 * bucket, from the first to the last that holds anything.
 */
export function timeline(
  series: Record<string, readonly number[]>,
  bucketMs: number,
): Record<string, number | string>[] {
  const all = Object.values(series).flat();
  if (all.length === 0) return [];
  const last = Math.floor(Math.max(...all) / bucketMs);
  const rows: Record<string, number | string>[] = [];
  for (let bucket = 0; bucket <= last; bucket += 1) {
    const row: Record<string, number | string> = {
      seconds: `${(bucket * bucketMs) / 1000}–${((bucket + 1) * bucketMs) / 1000}`,
    };
    for (const [name, times] of Object.entries(series)) {
      row[name] = times.filter((time) => Math.floor(time / bucketMs) === bucket).length;
    }
    rows.push(row);
  }
  return rows;
}
