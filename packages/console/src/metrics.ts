import { useEffect, useState } from "react";
import { useQueries } from "@tanstack/react-query";
import { createQueryOptions, useTransport } from "@connectrpc/connect-query";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { RunnerService, type GetRunnerMetricsResponse } from "@hangar/api/runner_service_pb.js";
import { durationMs } from "./format.js";
import { navigate, useLocation } from "./router.js";

// GetRunnerMetrics answers for one window; a series over time is one call per bucket.
// Buckets are aligned to their size, so every bucket but the current one covers the
// past, whose completed jobs no longer change: only the current one is polled.

export type Range = "1h" | "24h" | "7d";

export const ranges: Record<Range, { label: string; bucketMs: number; buckets: number }> = {
  "1h": { label: "Last hour", bucketMs: 5 * 60_000, buckets: 12 },
  "24h": { label: "Last 24 hours", bucketMs: 60 * 60_000, buckets: 24 },
  "7d": { label: "Last 7 days", bucketMs: 6 * 60 * 60_000, buckets: 28 },
};

export const POLL_MS = 5_000;

export type Point = {
  start: number;
  jobsPerMinute: number;
  succeeded: number;
  failed: number;
  failureRate: number;
  queueP50?: number | undefined;
  queueP90?: number | undefined;
  runP50?: number | undefined;
  runP90?: number | undefined;
};

export type Series = {
  points: Point[];
  total: GetRunnerMetricsResponse | undefined;
  isPending: boolean;
  error: unknown;
};

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
    }, intervalMs);
    return () => {
      clearInterval(timer);
    };
  }, [intervalMs]);
  return now;
}

export function useMetricsSeries(filter: {
  workspaceId: string;
  runnerId?: string;
  range: Range;
}): Series {
  const transport = useTransport();
  const { bucketMs, buckets } = ranges[filter.range];
  // Bucket edges move once per bucket, not once per render.
  const now = useNow(POLL_MS);
  const currentStart = Math.floor(now / bucketMs) * bucketMs;
  const firstStart = currentStart - (buckets - 1) * bucketMs;
  const input = (start: number, end: number) => ({
    workspaceId: filter.workspaceId,
    runnerId: filter.runnerId ?? "",
    startTime: timestampFromDate(new Date(start)),
    endTime: timestampFromDate(new Date(end)),
  });

  const bucketQueries = useQueries({
    queries: Array.from({ length: buckets }, (_, i) => {
      const start = firstStart + i * bucketMs;
      const current = i === buckets - 1;
      return {
        ...createQueryOptions(
          RunnerService.method.getRunnerMetrics,
          input(start, start + bucketMs),
          { transport },
        ),
        staleTime: current ? 0 : Infinity,
        refetchInterval: current ? POLL_MS : false,
      };
    }),
  });
  // The whole window, for the headline numbers: percentiles do not add up over buckets.
  const [total] = useQueries({
    queries: [
      {
        ...createQueryOptions(
          RunnerService.method.getRunnerMetrics,
          input(firstStart, currentStart + bucketMs),
          { transport },
        ),
        refetchInterval: POLL_MS,
        placeholderData: (previous: GetRunnerMetricsResponse | undefined) => previous,
      },
    ],
  });

  const points = bucketQueries.flatMap((q, i): Point[] => {
    const data = q.data;
    if (data === undefined) return [];
    const minutes = bucketMs / 60_000;
    return [
      {
        start: firstStart + i * bucketMs,
        jobsPerMinute: Number(data.totalJobs) / minutes,
        succeeded: Number(data.succeededJobs),
        failed: Number(data.failedJobs),
        failureRate: data.failureRate,
        queueP50: durationMs(data.queueTimeP50),
        queueP90: durationMs(data.queueTimeP90),
        runP50: durationMs(data.runTimeP50),
        runP90: durationMs(data.runTimeP90),
      },
    ];
  });
  return {
    points,
    total: total.data,
    isPending: total.isPending,
    error: total.error ?? bucketQueries.find((q) => q.error !== null)?.error ?? null,
  };
}

/** The chosen range, kept in the URL so a view can be shared. */
export function useRange(): [Range, (range: Range) => void] {
  const { path, query } = useLocation();
  const value = query.get("range");
  const range: Range = value !== null && value in ranges ? (value as Range) : "1h";
  const set = (next: Range): void => {
    const params = new URLSearchParams(query);
    params.set("range", next);
    navigate(`${path}?${params.toString()}`, { replace: true });
  };
  return [range, set];
}
