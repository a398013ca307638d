import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import type { FastifyInstance } from "fastify";
import { createLogger } from "../observability/logger.js";
import { createDatabase } from "../storage/database.js";
import { createIntakeApp, WEBHOOK_PATH } from "./app.js";
import { createSignatureVerifier } from "./signature.js";

// What only a real socket shows: an oversized Content-Length is refused before any of
// the body is sent; and the health endpoints.

const quiet = createLogger({ level: "silent" });
const appOver = (db: TestDatabase["db"]): FastifyInstance =>
  createIntakeApp({
    db,
    verify: createSignatureVerifier(["a-webhook-secret"]),
    isHangarJob: () => Promise.resolve(true),
    logger: quiet,
    maxBodyBytes: 1024 * 1024,
  });

/** Sends raw bytes and returns the first response's status line once it arrives. */
function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(head));
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk.toString();
      const line = received.split("\r\n")[0];
      if (line !== undefined && received.includes("\r\n")) {
        socket.destroy();
        resolve(line);
      }
    });
    socket.on("error", reject);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("no response within 5 s"));
    }, 5_000);
    socket.on("close", () => {
      clearTimeout(timer);
    });
  });
}

describe("the intake's HTTP surface", () => {
  let database: TestDatabase;
  let app: FastifyInstance;
  let port: number;

  beforeAll(async () => {
    database = await testDatabase();
    app = appOver(database.db);
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    port = typeof address === "object" && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it("refuses a Content-Length over the limit before the body is sent", async () => {
    const status = await rawRequest(
      port,
      `POST ${WEBHOOK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${100 * 1024 * 1024}\r\nX-GitHub-Event: ping\r\n\r\n`,
    );
    expect(status).toBe("HTTP/1.1 413 Payload Too Large");
  });

  it("answers /healthz and /readyz", async () => {
    expect((await app.inject({ url: "/healthz" })).json()).toEqual({ ok: true });
    const ready = await app.inject({ url: "/readyz" });
    expect(ready.statusCode).toBe(200);
  });

  it("is not ready when PostgreSQL cannot be reached", async () => {
    const unreachable = createDatabase("postgres://hangar@127.0.0.1:1/none", { max: 1 });
    const lonely = appOver(unreachable.db);
    try {
      const ready = await lonely.inject({ url: "/readyz" });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({ ok: false, error: "database unreachable" });
    } finally {
      await lonely.close();
      await unreachable.close();
    }
  });
});
