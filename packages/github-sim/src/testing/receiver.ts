import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
  event: string;
  action: string | null;
  guid: string;
}

/** A local webhook receiver for tests: records every delivery, answers `status()`. */
export async function startReceiver(status: () => number = () => 202): Promise<{
  url: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      let action: string | null = null;
      try {
        const parsed: unknown = JSON.parse(body.toString("utf8"));
        if (typeof parsed === "object" && parsed !== null && "action" in parsed) {
          action = typeof parsed.action === "string" ? parsed.action : null;
        }
      } catch {
        action = null;
      }
      received.push({
        headers: req.headers,
        body,
        event: String(req.headers["x-github-event"]),
        action,
        guid: String(req.headers["x-github-delivery"]),
      });
      res.statusCode = status();
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/github`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}
