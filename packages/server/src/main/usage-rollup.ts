import type { Kysely } from "kysely";
import type { Logger } from "../observability/logger.js";
import type { Database } from "../storage/schema.js";
import { rollUpAllUsage } from "../storage/usage-rollup.js";

// Every worker rolls queued usage events into the daily totals every few seconds; the
// rollup's advisory lock lets one of them do it at a time, and any of them can stop or
// crash without losing events (they stay queued). Statements are exact regardless, as
// they read the queue too; the rollup only keeps that queue short.

const DEFAULT_INTERVAL_MS = 2_000;

export interface UsageRollupLoop {
  /** Stops the loop after the rollup in progress, if any, has finished. */
  stop(): Promise<void>;
}

export function startUsageRollup(deps: {
  db: Kysely<Database>;
  logger: Logger;
  intervalMs?: number;
}): UsageRollupLoop {
  const { db, logger } = deps;
  const intervalMs = deps.intervalMs ?? DEFAULT_INTERVAL_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const tick = () => {
    running = rollUpAllUsage(db)
      .then(
        (moved) => {
          if (moved > 0) logger.debug({ events: moved }, "usage rolled up");
        },
        (error: unknown) => {
          logger.warn({ error }, "usage rollup failed; its events stay queued");
        },
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
