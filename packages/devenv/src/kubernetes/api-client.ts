import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request } from "node:https";

export interface ApiResponse {
  status: number;
  body: string;
}

/**
 * The few raw API calls the control-plane bootstrap makes (readiness, fake
 * nodes). The platform itself talks to Kubernetes through
 * @kubernetes/client-node; this package stays dependency-free.
 */
export function apiRequest(
  target: { port: number; token: string; caFile: string },
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: "127.0.0.1",
        port: target.port,
        method,
        path,
        ca: readFileSync(target.caFile),
        timeout: 5000,
        headers: {
          authorization: `Bearer ${target.token}`,
          accept: "application/json",
          ...(payload ? { "content-type": "application/json" } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** GET on a component's own health endpoint (self-signed, loopback only). */
export function healthz(port: number, path = "/healthz", tls = true): Promise<boolean> {
  return new Promise((resolve) => {
    const url = `${tls ? "https" : "http"}://127.0.0.1:${port}${path}`;
    const onResponse = (res: { statusCode?: number; resume: () => void }): void => {
      res.resume();
      resolve(res.statusCode === 200);
    };
    const req = tls
      ? request(url, { rejectUnauthorized: false, timeout: 2000 }, onResponse)
      : httpRequest(url, { timeout: 2000 }, onResponse);
    req.on("error", () => {
      resolve(false);
    });
    req.on("timeout", () => req.destroy());
    req.end();
  });
}
