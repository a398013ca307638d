import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ADMIN_TOKEN, VIEWER_TOKEN, seed, type FakeJob, type FakeState } from "./fake-data.js";
import { fakeRoutes } from "./fake-services.js";
import { usageCsv, usagePeriod } from "./fake-usage.js";

// A stand-in for the API role: the Connect protocol over in-memory data, the usage CSV
// endpoint, and the built dashboard served from the same origin, as the API role
// serves it. Tests drive jobs through it with the methods below, and run in seconds
// where test/platform.e2e.test.ts needs the whole platform.

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

export type FakeApi = {
  url: string;
  state: FakeState;
  /** A job asking for `runsOn` is queued now; returns its id. */
  queueJob: (workspaceId: string, runsOn: string, repository: string) => bigint;
  /** A runner picks the job up. */
  startJob: (id: bigint) => void;
  completeJob: (id: bigint, conclusion: string) => void;
  close: () => Promise<void>;
};

type Reply = (
  status: number,
  type: string,
  body: Buffer | string,
  headers?: Record<string, string>,
) => void;

const CSV_PATH = /^\/v1\/workspaces\/([^/]+)\/usage\.csv$/;

/** `GET /v1/workspaces/{id}/usage.csv?month=YYYY-MM&kind=…`, with a bearer token like any call. */
function serveUsageCsv(
  state: FakeState,
  now: number,
  authorization: string | undefined,
  url: URL,
  reply: Reply,
): boolean {
  const workspaceId = CSV_PATH.exec(url.pathname)?.[1];
  if (workspaceId === undefined) return false;
  const roles = state.roles.get((authorization ?? "").replace(/^Bearer /, ""));
  if (roles === undefined) {
    reply(401, "application/json", '{"code":"unauthenticated","message":"invalid token"}');
  } else if (!roles.has(decodeURIComponent(workspaceId))) {
    reply(404, "application/json", '{"code":"not_found","message":"workspace not found"}');
  } else if (!["admin", "owner"].includes(roles.get(decodeURIComponent(workspaceId)) ?? "")) {
    reply(403, "application/json", '{"code":"permission_denied","message":"admins only"}');
  } else {
    const month = url.searchParams.get("month") ?? "";
    const kind = url.searchParams.get("kind") ?? "statement";
    try {
      const csv = usageCsv(state, decodeURIComponent(workspaceId), usagePeriod(month, now), kind);
      reply(200, "text/csv; charset=utf-8", csv, {
        "content-disposition": `attachment; filename="usage-${month}-${kind}.csv"`,
      });
    } catch (error) {
      reply(
        400,
        "application/json",
        JSON.stringify({ code: "invalid_argument", message: String(error) }),
      );
    }
  }
  return true;
}

async function serveStatic(root: string, url: string | undefined, reply: Reply): Promise<void> {
  const path = new URL(url ?? "/", "http://x").pathname;
  const file = normalize(join(root, decodeURIComponent(path)));
  // Unknown paths are the dashboard's own routes: index.html renders them.
  const target = file.startsWith(root) && extname(file) !== "" ? file : join(root, "index.html");
  try {
    reply(200, types[extname(target)] ?? "application/octet-stream", await readFile(target));
  } catch {
    reply(404, "text/plain", "not found");
  }
}

export async function startFakeApi(
  options: { staticDir?: string; port?: number } = {},
): Promise<FakeApi> {
  const clock = (): number => Date.now();
  const state = seed(clock());
  const handler = connectNodeAdapter({
    routes: fakeRoutes(state, clock),
    fallback: (req, res) => {
      const reply: Reply = (status, type, body, headers = {}) => {
        res.writeHead(status, { "content-type": type, ...headers });
        res.end(body);
      };
      const url = new URL(req.url ?? "/", "http://x");
      if (serveUsageCsv(state, clock(), req.headers.authorization, url, reply)) return;
      if (options.staticDir === undefined) reply(404, "text/plain", "not found");
      else void serveStatic(resolve(options.staticDir), req.url, reply);
    },
  });
  const server = createServer(handler);
  await new Promise<void>((done) => server.listen(options.port ?? 0, "127.0.0.1", done));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("fake API has no port");

  const find = (id: bigint): FakeJob => {
    const job = state.jobs.find((j) => j.id === id);
    if (job === undefined) throw new Error(`no job ${id}`);
    return job;
  };
  return {
    url: `http://127.0.0.1:${address.port}`,
    state,
    queueJob: (workspaceId, runsOn, repository) => {
      const runner = state.runners.find((r) => r.workspaceId === workspaceId && r.name === runsOn);
      const id = BigInt(95_000_000 + state.nextId());
      state.jobs.push({
        id,
        runId: id + 1n,
        workspaceId,
        repository,
        name: "e2e",
        workflowName: "CI",
        headBranch: "main",
        headSha: "abc1234".padEnd(40, "0"),
        labels: ["self-hosted", runsOn],
        status: "queued",
        conclusion: "",
        runnerId: runner?.id ?? "",
        runnerName: "",
        createMs: clock(),
      });
      return id;
    },
    startJob: (id) => {
      const job = find(id);
      const runner = state.runners.find((r) => r.id === job.runnerId);
      job.status = "in_progress";
      job.readyMs = clock() - 200;
      job.startMs = clock();
      job.runnerName = `${runner?.name ?? "runner"}-5e7a1c2d9f01`;
    },
    completeJob: (id, conclusion) => {
      const job = find(id);
      job.status = "completed";
      job.conclusion = conclusion;
      job.completeMs = clock();
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => {
          done();
        });
      }),
  };
}

// `npx tsx packages/console/test/fake-api.ts` serves the built dashboard over the
// fake data, to look at it without the platform.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const dir = resolve(import.meta.dirname, "../dist");
  const api = await startFakeApi({ staticDir: dir, port: Number(process.env.PORT ?? 5180) });
  console.log(`dashboard on ${api.url} (from ${dir})`);
  console.log(`admin token:  ${ADMIN_TOKEN}\nviewer token: ${VIEWER_TOKEN}`);
}
