import { z } from "zod";
import { integer } from "./parsers.js";
import type { Config } from "./types.js";

// How the metrics are shaped: the job duration buckets, and how many runner
// configurations (and installations) get series of their own.

/**
 * Seconds, comma-separated, strictly increasing. Prometheus adds +Inf itself, and a
 * bucket list changed later splits a histogram's history, so it is checked strictly.
 */
const buckets = z.string().transform((value, ctx) => {
  const parts = value.split(",").map((part) => part.trim());
  const numbers = parts.map(Number);
  const valid =
    parts.every((part) => /^\d+(\.\d+)?$/.test(part)) &&
    numbers.every((n, i) => n > 0 && (i === 0 || n > (numbers[i - 1] ?? 0)));
  if (!valid) {
    ctx.addIssue({
      code: "custom",
      message: "must be positive numbers of seconds, comma-separated, in increasing order",
    });
    return z.NEVER;
  }
  return numbers;
});

export function metricsSection() {
  return z
    .object({
      HANGAR_METRICS_DURATION_BUCKETS: buckets,
      HANGAR_METRICS_MAX_LABEL_VALUES: integer({ min: 1, max: 100_000 }),
    })
    .transform((env): Config["metrics"] => ({
      durationBuckets: env.HANGAR_METRICS_DURATION_BUCKETS,
      maxLabelValues: env.HANGAR_METRICS_MAX_LABEL_VALUES,
    }));
}
