import type pg from "pg";
import type { Logger } from "../observability/logger.js";
import { describeError } from "./describe-error.js";
import { OUTBOX_CHANNEL } from "./deliveries.js";

/** Something that calls back when new outbox rows may be waiting. */
export interface OutboxWakeUps {
  start(onWake: () => void): Promise<void>;
  stop(): Promise<void>;
}

/**
 * LISTEN on the outbox channel through one connection held from the pool. A lost
 * connection is re-established after a pause; meanwhile the relay's poll still finds
 * everything, only later. Notifications carry no data: they only say "look now".
 */
export function listenForOutbox(
  pool: pg.Pool,
  logger: Logger,
  options: { reconnectMs?: number } = {},
): OutboxWakeUps {
  const reconnectMs = options.reconnectMs ?? 2_000;
  let client: pg.PoolClient | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const reconnectLater = (onWake: () => void): void => {
    if (stopped) return;
    retry = setTimeout(() => {
      connect(onWake).catch((error: unknown) => {
        logger.warn({ error: describeError(error) }, "outbox listener reconnect failed");
        reconnectLater(onWake);
      });
    }, reconnectMs);
  };

  const connect = async (onWake: () => void): Promise<void> => {
    const connection = await pool.connect();
    const lost = (error: unknown): void => {
      if (client !== connection) return;
      client = undefined;
      connection.removeAllListeners("notification");
      // Released with an error, the pool discards the connection instead of reusing it.
      connection.release(error instanceof Error ? error : new Error("outbox listener lost"));
      if (stopped) return;
      logger.warn({ error: describeError(error) }, "outbox listener lost; reconnecting");
      // Rows may have arrived unannounced while the connection was going down.
      onWake();
      reconnectLater(onWake);
    };
    client = connection;
    connection.on("notification", (message) => {
      if (message.channel === OUTBOX_CHANNEL) onWake();
    });
    connection.on("error", lost);
    try {
      await connection.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (error) {
      lost(error);
    }
  };

  return {
    async start(onWake) {
      stopped = false;
      await connect(onWake);
    },
    async stop() {
      stopped = true;
      clearTimeout(retry);
      const connection = client;
      client = undefined;
      if (connection === undefined) return;
      connection.removeAllListeners("notification");
      await connection.query(`UNLISTEN ${OUTBOX_CHANNEL}`).catch(() => undefined);
      connection.release();
    },
  };
}
