// The server side of bench/intake.ts, in a process of its own so that the load
// generator's CPU use does not land on the server's event loop. Started with
// `fork(...)`; receives its settings as one JSON argument, answers with its URL, and
// stops on the message "stop".
import { createServer } from "node:http";
import { Client, Connection } from "@temporalio/client";
import { z } from "zod";
import { startIntake } from "@hangar/server/main/intake.js";
import { createLogger } from "@hangar/server/observability/logger.js";
import { createDatabase } from "@hangar/server/storage/database.js";

const settingsSchema = z.object({
  kind: z.enum(["intake", "bare"]),
  databaseUrl: z.string(),
  secret: z.string(),
  /** Relay to this Temporal server; no relay when absent. */
  temporal: z
    .object({ address: z.string(), namespace: z.string(), taskQueue: z.string() })
    .optional(),
});
export type BenchServerSettings = z.infer<typeof settingsSchema>;

export type BenchServerMessage =
  { kind: "ready"; url: string } | { kind: "stopped"; relayed: number | null };

function send(message: BenchServerMessage): void {
  process.send?.(message);
}

async function serveIntake(settings: BenchServerSettings): Promise<() => Promise<number | null>> {
  const database = createDatabase(settings.databaseUrl, { max: 20 });
  // Info level, as in production, into a sink: logging's cost is measured, a terminal's is not.
  const logger = createLogger({ level: "info", destination: { write: () => undefined } });
  const connection = settings.temporal
    ? await Connection.connect({ address: settings.temporal.address })
    : Connection.lazy({ address: "127.0.0.1:1" });
  const intake = await startIntake({
    db: database.db,
    pool: database.pool,
    temporalClient: new Client({ connection, namespace: settings.temporal?.namespace ?? "none" }),
    taskQueue: settings.temporal?.taskQueue ?? "none",
    logger,
    webhookSecrets: [settings.secret],
    maxBodyBytes: 25 * 1024 * 1024,
    host: "127.0.0.1",
    port: 0,
    relay: settings.temporal ? {} : false,
    pruneIntervalMs: 0,
  });
  send({ kind: "ready", url: intake.url });
  return async () => {
    // Give the relay a moment to catch up with the last deliveries before counting.
    if (intake.relay) await new Promise((resolve) => setTimeout(resolve, 3_000));
    const relayed = intake.relay?.stats().sent ?? null;
    await intake.stop();
    await connection.close();
    await database.close();
    return relayed;
  };
}

function serveBare(): Promise<() => Promise<number | null>> {
  const server = createServer((request, response) => {
    request.on("data", () => undefined);
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      send({ kind: "ready", url: `http://127.0.0.1:${port}` });
      resolve(async () => {
        server.closeAllConnections();
        await new Promise((done) => server.close(done));
        return null;
      });
    });
  });
}

const settings = settingsSchema.parse(JSON.parse(process.argv[2] ?? "{}"));
const stop = settings.kind === "intake" ? await serveIntake(settings) : await serveBare();
process.on("message", (message) => {
  if (message !== "stop") return;
  void stop().then((relayed) => {
    send({ kind: "stopped", relayed });
    process.disconnect();
  });
});
