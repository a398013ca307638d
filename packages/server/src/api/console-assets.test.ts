import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsoleAssets, isConsolePath } from "./console-assets.js";

// The dashboard's files over a real HTTP server; whatever the assets decline gets the
// API's answer, here a 418 that says so.

const dir = mkdtempSync(join(tmpdir(), "hangar-console-assets-"));
const missing = join(dir, "not-built");
const servers: Server[] = [];

async function serve(root: string): Promise<string> {
  const assets = createConsoleAssets({ dir: root });
  const server = createServer((req, res) => {
    if (assets(req, res)) return;
    res.writeHead(418);
    res.end("api");
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return `http://127.0.0.1:${address.port}`;
}

let url: string;
let notBuilt: string;

beforeAll(async () => {
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>Hangar</title>");
  writeFileSync(join(dir, "assets", "index-Bx3k9QzA.js"), "console.log(1)");
  writeFileSync(join(dir, "assets", "index-Bx3k9QzA.css"), "body{}");
  writeFileSync(join(dir, "robots.txt"), "User-agent: *");
  writeFileSync(join(tmpdir(), "hangar-console-secret.txt"), "outside");
  url = await serve(dir);
  notBuilt = await serve(missing);
});

afterAll(async () => {
  for (const server of servers) await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(tmpdir(), "hangar-console-secret.txt"), { force: true });
});

describe("the dashboard's static files", () => {
  it("serves index.html at / and for the app's own routes, never cached", async () => {
    for (const path of ["/", "/sign-in", "/w/acme/runners/rn-1/edit?x=1"]) {
      const response = await fetch(`${url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(await response.text()).toContain("<title>Hangar</title>");
    }
  });

  it("serves hashed assets with their types, cached for good; other files revalidated", async () => {
    const js = await fetch(`${url}/assets/index-Bx3k9QzA.js`);
    expect([js.status, js.headers.get("content-type"), js.headers.get("cache-control")]).toEqual([
      200,
      "text/javascript; charset=utf-8",
      "public, max-age=31536000, immutable",
    ]);
    expect(await js.text()).toBe("console.log(1)");
    const css = await fetch(`${url}/assets/index-Bx3k9QzA.css`);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const robots = await fetch(`${url}/robots.txt`);
    expect(robots.headers.get("cache-control")).toBe("no-cache");
    const head = await fetch(`${url}/assets/index-Bx3k9QzA.js`, { method: "HEAD" });
    expect([head.status, head.headers.get("content-length")]).toEqual([200, "14"]);
  });

  it("answers 404 for a missing asset instead of the app", async () => {
    const response = await fetch(`${url}/assets/index-OldHash1.js`);
    expect(response.status).toBe(404);
  });

  it("serves nothing outside its directory", async () => {
    for (const path of ["/..%2fhangar-console-secret.txt", "/%2e%2e/hangar-console-secret.txt"]) {
      const response = await fetch(`${url}${path}`);
      expect(await response.text()).not.toContain("outside");
    }
  });

  it("leaves RPCs, POSTs and the API's plain endpoints to the API", async () => {
    for (const path of [
      "/hangar.v1.RunnerService/ListRunners",
      "/v1/workspaces/w/usage.csv",
      "/healthz",
    ]) {
      expect((await fetch(`${url}${path}`)).status).toBe(418);
    }
    expect((await fetch(`${url}/`, { method: "POST", body: "{}" })).status).toBe(418);
    expect(isConsolePath("/w/acme/usage")).toBe(true);
    expect(isConsolePath("/hangar.v1.UsageService/GetUsage")).toBe(false);
  });

  it("says how to build the dashboard when it is not built", async () => {
    const response = await fetch(`${notBuilt}/w/acme`);
    expect(response.status).toBe(503);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await response.text()).toContain("npm run build:console");
  });
});
