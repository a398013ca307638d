import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// Test-only: a pass-through proxy in front of the simulated GitHub that keeps every
// credential that crossed it: the App JWTs and installation tokens Hangar sent in
// Authorization headers, and the installation tokens and JIT configs GitHub answered
// with. A test then knows exactly which values must never reach a log line.

export interface CredentialCapture {
  url: string;
  /** Every distinct credential seen, by kind. */
  credentials(): { jwts: string[]; installationTokens: string[]; jitConfigs: string[] };
  close(): Promise<void>;
}

export async function startCredentialCapture(upstreamUrl: string): Promise<CredentialCapture> {
  const jwts = new Set<string>();
  const tokens = new Set<string>();
  const jitConfigs = new Set<string>();

  const remember = (authorization: string | undefined): void => {
    const value = authorization?.replace(/^(bearer|token)\s+/i, "");
    if (value === undefined || value === "") return;
    (value.startsWith("eyJ") ? jwts : tokens).add(value);
  };

  const answered = (body: Buffer): void => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      return;
    }
    if (typeof parsed !== "object" || parsed === null) return;
    if ("token" in parsed && typeof parsed.token === "string") tokens.add(parsed.token);
    if ("encoded_jit_config" in parsed && typeof parsed.encoded_jit_config === "string") {
      jitConfigs.add(parsed.encoded_jit_config);
    }
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      remember(request.headers.authorization);
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === "string" && name !== "host" && name !== "connection") {
          headers.set(name, value);
        }
      }
      const upstream = await fetch(`${upstreamUrl}${request.url ?? "/"}`, {
        method: request.method ?? "GET",
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      answered(body);
      const out: Record<string, string> = {};
      upstream.headers.forEach((value, name) => {
        if (name !== "content-encoding" && name !== "transfer-encoding") out[name] = value;
      });
      out["content-length"] = String(body.length);
      response.writeHead(upstream.status, out).end(body);
    })().catch(() => {
      response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    credentials: () => ({
      jwts: [...jwts],
      installationTokens: [...tokens],
      jitConfigs: [...jitConfigs],
    }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}
