import type http from "node:http";
import type http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeToHttpStatus, codeToString } from "@connectrpc/connect/protocol-connect";
import type { Authenticator } from "./authenticate.js";
import type { Caller, RequestInfo } from "./context.js";
import { mapError } from "./errors.js";
import type { RateLimiter } from "./rate-limit.js";

// Plain HTTP endpoints beside the RPCs, for what a browser or curl fetches as a file.
// They take the same bearer token, through the same authenticator and rate limit, and
// answer errors with the same JSON body and status as Connect does.

export type AnyRequest = http.IncomingMessage | http2.Http2ServerRequest;
export type AnyResponse = http.ServerResponse | http2.Http2ServerResponse;

export interface HttpRoute {
  /** The path's parameters when the route serves this request, undefined otherwise. */
  match(method: string, path: string): Record<string, string> | undefined;
  handle(input: {
    req: AnyRequest;
    res: AnyResponse;
    params: Record<string, string>;
    query: URLSearchParams;
    caller: Caller;
    info: RequestInfo;
    /** Aborted when the client goes away before the answer is complete. */
    signal: AbortSignal;
  }): Promise<void>;
}

function header(req: AnyRequest, name: string): string | null {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function sendError(res: AnyResponse, error: ConnectError): void {
  if (res.headersSent) {
    // Part of the file went out: cutting the connection is the only honest signal left.
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { "content-type": "application/json" };
  error.metadata.forEach((value, key) => {
    headers[key] = value;
  });
  res.writeHead(codeToHttpStatus(error.code), headers);
  res.end(JSON.stringify({ code: codeToString(error.code), message: error.rawMessage }));
}

/** Serves `req` if a route matches it; false leaves it to the RPC router. */
export function serveHttpRoute(
  routes: readonly HttpRoute[],
  deps: { authenticator: Authenticator; rateLimiter: RateLimiter },
  req: AnyRequest,
  res: AnyResponse,
  info: RequestInfo,
): boolean {
  const url = new URL(req.url ?? "/", "http://api");
  const method = req.method ?? "GET";
  for (const route of routes) {
    const params = route.match(method, url.pathname);
    if (params === undefined) continue;
    const aborted = new AbortController();
    res.once("close", () => {
      if (!res.writableFinished) aborted.abort();
    });
    const started = performance.now();
    void (async () => {
      let caller: Caller | undefined;
      try {
        caller = await deps.authenticator.authenticate(header(req, "authorization"));
        const decision = deps.rateLimiter.take(caller.tokenId);
        if (!decision.allowed) {
          throw new ConnectError(
            `rate limit exceeded for this API token; retry in ${decision.retryAfterSeconds} s`,
            Code.ResourceExhausted,
            { "retry-after": String(decision.retryAfterSeconds) },
          );
        }
        await route.handle({
          req,
          res,
          params,
          query: url.searchParams,
          caller,
          info,
          signal: aborted.signal,
        });
        info.logger.info(
          {
            path: url.pathname,
            code: "ok",
            ms: Math.round(performance.now() - started),
            caller: caller.subject,
          },
          "api request",
        );
      } catch (thrown) {
        if (aborted.signal.aborted) {
          info.logger.info(
            { path: url.pathname, caller: caller?.subject },
            "api download abandoned",
          );
          return;
        }
        const { error, unexpected } = mapError(thrown, info.requestId);
        const fields = {
          path: url.pathname,
          code: Code[error.code],
          ms: Math.round(performance.now() - started),
          caller: caller?.subject,
        };
        if (unexpected) info.logger.error({ ...fields, error: thrown }, "api request failed");
        else info.logger.info({ ...fields, message: error.rawMessage }, "api request refused");
        sendError(res, error);
      }
    })();
    return true;
  }
  return false;
}
