import { createServer, type Server } from "node:http";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";

// GET /metrics on its own port, never on the webhook or API listeners: scraping needs
// no credentials there, and nothing about tenants' runners is served to the internet.
// Plain node:http, because this listener serves one path and must stay up when the
// role's own server is busy or broken.

export interface MetricsListen {
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
}

/** What a role's start function takes: the process's registry, and where to serve it. */
export interface RoleMetrics {
  readonly metrics: Metrics;
  /** Absent: count, but serve nothing (tests that read the registry directly). */
  readonly listen?: MetricsListen;
}

export interface MetricsServer {
  readonly url: string;
  /** Releases this holder; the listener closes when the last one lets go. */
  stop(): Promise<void>;
}

interface Shared {
  url: Promise<string>;
  server: Server;
  holders: number;
}

// One listener per registry, shared by the roles of one process (the dev role runs the
// intake and the worker side by side on one metrics port).
const listeners = new WeakMap<Metrics, Shared>();

/**
 * Serves the registry; every role calls it from its start function, and a second call
 * for the same registry joins the listener the first one opened.
 */
export async function serveMetrics(
  metrics: Metrics,
  listen: MetricsListen,
  logger: Logger,
): Promise<MetricsServer> {
  let shared = listeners.get(metrics);
  if (shared === undefined) {
    const server = createServer((request, response) => {
      const path = (request.url ?? "/").split("?")[0];
      if (path !== "/metrics" || (request.method !== "GET" && request.method !== "HEAD")) {
        response.writeHead(path === "/metrics" ? 405 : 404).end();
        return;
      }
      metrics.registry.metrics().then(
        (text) => {
          response.writeHead(200, { "content-type": metrics.registry.contentType });
          response.end(request.method === "HEAD" ? undefined : text);
        },
        (error: unknown) => {
          logger.warn({ err: error }, "metrics collection failed");
          response.writeHead(500, { "content-type": "text/plain" }).end("collection failed\n");
        },
      );
    });
    const url = new Promise<string>((resolve, reject) => {
      server.once("error", reject);
      server.listen(listen.port, listen.host, () => {
        server.off("error", reject);
        const address = server.address();
        const port = typeof address === "object" && address !== null ? address.port : listen.port;
        const host = listen.host.includes(":") ? `[${listen.host}]` : listen.host;
        resolve(`http://${host}:${port}/metrics`);
      });
    });
    shared = { url, server, holders: 0 };
    listeners.set(metrics, shared);
    url.then(
      (where) => {
        logger.info({ url: where }, "metrics listening");
      },
      () => {
        listeners.delete(metrics);
      },
    );
  }
  const holder = shared;
  holder.holders += 1;
  let url: string;
  try {
    url = await holder.url;
  } catch (error) {
    holder.holders -= 1;
    throw error;
  }
  let stopped = false;
  return {
    url,
    async stop() {
      if (stopped) return;
      stopped = true;
      holder.holders -= 1;
      if (holder.holders > 0) return;
      listeners.delete(metrics);
      await new Promise<void>((resolve) => {
        holder.server.close(() => {
          resolve();
        });
        // Scrapers keep connections alive; they must not hold the shutdown.
        holder.server.closeAllConnections();
      });
    },
  };
}
