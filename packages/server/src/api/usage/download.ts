import { Code, ConnectError } from "@connectrpc/connect";
import type { AnyResponse, HttpRoute } from "../http-routes.js";
import type { ServiceDeps } from "../service-deps.js";
import { parseRequest } from "../validation.js";
import { csvFileName, usageCsvPieces } from "./csv-chunks.js";
import { exportKindRequest, getUsageRequest } from "./requests.js";

// GET /v1/workspaces/{id}/usage.csv?month=YYYY-MM[&kind=events]: ExportUsage as a file,
// for curl and browsers. The same period and kind parameters (start_day and end_day
// instead of month), the same rule (admins), the same pieces written as they are read.

const path = /^\/v1\/workspaces\/([^/]+)\/usage\.csv$/;

/** Writes a piece; resolves once the response can take more, or the client went away. */
async function send(res: AnyResponse, piece: string, signal: AbortSignal): Promise<void> {
  const writable = res as { write(chunk: string): boolean };
  if (!writable.write(piece)) await drained(res, signal);
}

/** Waits for the response to drain, or for the client to go away. */
function drained(res: AnyResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    res.once("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

export function usageDownloadRoute(deps: Pick<ServiceDeps, "db" | "authorize">): HttpRoute {
  return {
    match(method, pathname) {
      const found = path.exec(pathname);
      if (found === null || (method !== "GET" && method !== "HEAD")) return undefined;
      return { workspaceId: decodeURIComponent(found[1] ?? "") };
    },

    async handle({ req, res, params, query, caller, signal }) {
      const known = new Set(["month", "start_day", "end_day", "kind"]);
      for (const name of query.keys()) {
        if (!known.has(name)) {
          throw new ConnectError(
            `invalid request: ${name}: is not a parameter of usage.csv`,
            Code.InvalidArgument,
          );
        }
      }
      const request = {
        workspaceId: params["workspaceId"] ?? "",
        month: query.get("month") ?? "",
        startDay: query.get("start_day") ?? "",
        endDay: query.get("end_day") ?? "",
        kind: query.get("kind") ?? "",
      };
      const period = parseRequest(getUsageRequest, request);
      const { kind } = parseRequest(exportKindRequest, request);
      await deps.authorize(caller, "usage.export", period, "workspace", period.workspaceId);
      const input = { ...period, kind };
      const pieces = usageCsvPieces(deps.db, input, signal);
      // The first piece is read before the headers go out, so a failing query is still
      // an error answer rather than a cut-off file.
      const first = await pieces.next();
      res.writeHead(200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${csvFileName(input)}"`,
        "cache-control": "no-store",
      });
      if (req.method === "HEAD") {
        await pieces.return(undefined);
        res.end();
        return;
      }
      if (first.done !== true) await send(res, first.value, signal);
      for await (const piece of pieces) await send(res, piece, signal);
      res.end();
    },
  };
}
