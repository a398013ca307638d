import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketHandler } from "@electric-sql/pglite-socket";
import { SharedSession } from "./shared-session.js";
import { fatalErrorMessage } from "./wire.js";

export interface PGliteServerOptions {
  db: PGlite;
  host: string;
  /** 0 picks a free port (see `port` on the result). */
  port: number;
  /** Beyond this, new connections are refused with "too many connections". */
  maxConnections?: number;
  /** See SharedSession: a transaction left idle this long while others wait is ended. */
  idleInTransactionTimeoutMs?: number;
  warn?: (message: string) => void;
}

export interface PGliteServer {
  port: number;
  /** Open connections, and how many of them wait while another holds the session. */
  stats(): { connections: number; waiting: number };
  /** Closes every connection (rolling back what they left open) and stops listening. */
  close(): Promise<void>;
}

// The handler's option is typed as pglite-socket's own (unexported) queue class; ours
// has the three methods the handler calls (see SharedSession).
type HandlerQueue = ConstructorParameters<typeof PGLiteSocketHandler>[0]["queryQueue"];

/**
 * Serves a PGlite database over TCP, so that ordinary PostgreSQL clients (Hangar's pg
 * pools, psql) connect with a plain URL. pglite-socket's PGLiteSocketHandler reads and
 * writes each connection's protocol messages; SharedSession decides when each one runs.
 * pglite-socket's own server is not used because its queue lets connections' messages
 * interleave (see SharedSession).
 */
export async function servePGlite(options: PGliteServerOptions): Promise<PGliteServer> {
  const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
  const maxConnections = options.maxConnections ?? 100;
  const handlers = new Map<number, PGLiteSocketHandler>();
  const sockets = new Set<Socket>();
  // A handler we detach ourselves sends no "close" event: forget it here.
  const detach = async (handler: PGLiteSocketHandler): Promise<void> => {
    handlers.delete(handler.handlerId);
    await handler.detach(true);
  };
  const session = new SharedSession({
    db: options.db,
    idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs ?? 60_000,
    terminate: (handlerId) => {
      const handler = handlers.get(handlerId);
      if (handler !== undefined) void detach(handler);
    },
    warn,
  });

  const accept = (socket: Socket): void => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    if (handlers.size >= maxConnections) {
      // Destroyed once the refusal is written: a client that kept its end open would
      // otherwise keep the server from closing.
      socket.end(fatalErrorMessage("53300", "sorry, too many clients already"), () => {
        socket.destroy();
      });
      return;
    }
    const handler = new PGLiteSocketHandler({
      queryQueue: session as unknown as HandlerQueue,
      closeOnDetach: true,
    });
    handlers.set(handler.handlerId, handler);
    // A handler detaches itself on close and on error; either way its slot is free.
    const forget = (): void => {
      handlers.delete(handler.handlerId);
    };
    handler.addEventListener("close", forget);
    handler.addEventListener("error", forget);
    handler.attach(socket).catch((error: unknown) => {
      forget();
      warn(`embedded database: could not attach a connection: ${String(error)}`);
      socket.destroy();
    });
  };

  const server: Server = createServer(accept);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (error) => {
    warn(`embedded database: server error: ${error.message}`);
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;

  return {
    port,
    stats: () => ({ connections: handlers.size, waiting: session.waiting() }),
    async close() {
      const closed = new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
      await Promise.all([...handlers.values()].map(detach));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
