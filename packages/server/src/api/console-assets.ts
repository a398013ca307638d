import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type http from "node:http";
import type http2 from "node:http2";
import { extname, join, resolve, sep } from "node:path";

// The dashboard (packages/console, built by Vite into dist/) served by the API role from
// the API's own origin, so the browser calls the API without CORS. Static files need no
// token: the app holds no data, and signs in with an API token itself. Paths that are
// not files are the app's own routes (/w/acme/runners) and get index.html, which must
// never be cached, while Vite's content-hashed files under assets/ never change.

type AnyRequest = http.IncomingMessage | http2.Http2ServerRequest;
type AnyResponse = http.ServerResponse | http2.Http2ServerResponse;

/** Answers the request and returns true when it is the dashboard's; false leaves it to the API. */
export type ConsoleAssets = (req: AnyRequest, res: AnyResponse) => boolean;

/** packages/console/dist, next to this package in the repository. */
export const defaultConsoleDir = resolve(import.meta.dirname, "../../../console/dist");

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

const IMMUTABLE = "public, max-age=31536000, immutable";
/** Vite names what it bundles `<name>-<hash>.<ext>` under assets/. */
const HASHED = /^\/assets\/.+-[A-Za-z0-9_-]{8,}\.\w+$/;
// RPCs (`/hangar.v1.RunnerService/ListRunners`) and the API's plain endpoints.
const RPC_PATH = /^\/[\w.]+\.[A-Z]\w*\//;
const API_PREFIXES = ["/v1/", "/healthz", "/metrics"];

const notBuiltPage = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Hangar</title>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>The dashboard is not built</h1>
<p>This API serves the Hangar dashboard once it is built. From the repository, run</p>
<pre>npm run build:console</pre>
<p>and reload this page. <code>npm start</code> builds it when it is missing or out of date.
The API itself is up: see <a href="https://connectrpc.com">Connect</a> calls under
<code>/hangar.v1.*</code> and <code>docs/api.md</code>.</p>
</body>
</html>
`;

/** Whether a GET for this path is for the dashboard rather than the API. */
export function isConsolePath(path: string): boolean {
  if (RPC_PATH.test(path)) return false;
  return !API_PREFIXES.some(
    (prefix) => path === prefix.replace(/\/$/, "") || path.startsWith(prefix),
  );
}

async function fileAt(path: string): Promise<number | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info.size : undefined;
  } catch {
    return undefined;
  }
}

export function createConsoleAssets(options: { dir?: string } = {}): ConsoleAssets {
  const root = resolve(options.dir ?? defaultConsoleDir);
  const index = join(root, "index.html");

  const send = (
    req: AnyRequest,
    res: AnyResponse,
    file: string,
    size: number,
    cacheControl: string,
  ): void => {
    res.writeHead(200, {
      "content-type": contentTypes[extname(file)] ?? "application/octet-stream",
      "content-length": String(size),
      "cache-control": cacheControl,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on("error", () => res.destroy());
    stream.pipe(res as NodeJS.WritableStream);
  };

  const serve = async (req: AnyRequest, res: AnyResponse, path: string): Promise<void> => {
    // Only files below the root: `..` cannot climb out, whatever its encoding.
    const file = resolve(root, `.${path}`);
    const inside = file === root || file.startsWith(root + sep);
    const size = inside && extname(file) !== "" ? await fileAt(file) : undefined;
    if (size !== undefined) {
      send(req, res, file, size, HASHED.test(path) ? IMMUTABLE : "no-cache");
      return;
    }
    // A missing asset is a 404, not the app: a stale page asking for an old bundle
    // must fail visibly rather than parse HTML as script.
    if (path.startsWith("/assets/")) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("not found");
      return;
    }
    const indexSize = await fileAt(index);
    if (indexSize === undefined) {
      res.writeHead(503, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-cache",
      });
      res.end(req.method === "HEAD" ? "" : notBuiltPage);
      return;
    }
    send(req, res, index, indexSize, "no-cache");
  };

  return (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://console").pathname);
    } catch {
      return false;
    }
    if (!isConsolePath(path)) return false;
    serve(req, res, path).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    return true;
  };
}
