import { randomUUID } from "node:crypto";
import type http from "node:http";
import type http2 from "node:http2";
import {
  Code,
  ConnectError,
  createContextValues,
  type ConnectRouter,
  type ContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "../observability/logger.js";
import type { Authenticator } from "./authenticate.js";
import type { ConsoleAssets } from "./console-assets.js";
import { callerKey, requestInfoKey } from "./context.js";
import { mapError } from "./errors.js";
import { serveHttpRoute, type HttpRoute } from "./http-routes.js";
import type { RequestHandler } from "./listener.js";
import type { RateLimiter } from "./rate-limit.js";

// The API's request pipeline. Around every RPC, outermost first: a request id (taken
// from a sane `x-request-id` or made up, echoed on every response), error mapping and
// the request's log line, authentication, the caller's rate limit. Only `/healthz`
// answers without a token; the few plain HTTP routes (http-routes.ts) authenticate and
// rate-limit the same way.

export const REQUEST_ID_HEADER = "x-request-id";
export const HEALTH_PATH = "/healthz";
const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

export interface ApiHandlerDeps {
  routes: (router: ConnectRouter) => void;
  authenticator: Authenticator;
  rateLimiter: RateLimiter;
  logger: Logger;
  maxBodyBytes: number;
  /** The dashboard's static files, answered before the API for the GETs that are its. */
  consoleAssets?: ConsoleAssets;
  /** Plain HTTP endpoints (file downloads), authenticated like the RPCs. */
  httpRoutes?: readonly HttpRoute[];
}

type AnyRequest = http.IncomingMessage | http2.Http2ServerRequest;

function incomingRequestId(req: AnyRequest): string {
  const header = req.headers[REQUEST_ID_HEADER];
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && requestIdPattern.test(value) ? value : randomUUID();
}

/** Logs each RPC once and turns whatever it threw into a Connect error fit for the caller. */
function errorsAndLogging(): Interceptor {
  return (next) => async (req) => {
    const info = req.contextValues.get(requestInfoKey);
    const requestId = info?.requestId ?? "unknown";
    const started = performance.now();
    const rpc = `${req.service.typeName}/${req.method.name}`;
    try {
      const response = await next(req);
      info?.logger.info(
        { rpc, code: "ok", ms: Math.round(performance.now() - started), caller: callerOf(req) },
        "api request",
      );
      return response;
    } catch (thrown) {
      const { error, unexpected } = mapError(thrown, requestId);
      const fields = {
        rpc,
        code: Code[error.code],
        ms: Math.round(performance.now() - started),
        caller: callerOf(req),
      };
      if (unexpected) {
        info?.logger.error({ ...fields, error: thrown }, "api request failed");
      } else {
        info?.logger.info({ ...fields, message: error.rawMessage }, "api request refused");
      }
      throw error;
    }
  };
}

function callerOf(req: { contextValues: ContextValues }): string | undefined {
  return req.contextValues.get(callerKey)?.subject;
}

function authentication(authenticator: Authenticator): Interceptor {
  return (next) => async (req) => {
    const caller = await authenticator.authenticate(req.header.get("authorization"));
    req.contextValues.set(callerKey, caller);
    return next(req);
  };
}

function rateLimiting(limiter: RateLimiter): Interceptor {
  return (next) => async (req) => {
    const caller = req.contextValues.get(callerKey);
    if (caller !== undefined) {
      const decision = limiter.take(caller.tokenId);
      if (!decision.allowed) {
        throw new ConnectError(
          `rate limit exceeded for this API token; retry in ${decision.retryAfterSeconds} s`,
          Code.ResourceExhausted,
          { "retry-after": String(decision.retryAfterSeconds) },
        );
      }
    }
    return next(req);
  };
}

export function createApiHandler(deps: ApiHandlerDeps): RequestHandler {
  const requestIds = new WeakMap<AnyRequest, string>();
  const connect = connectNodeAdapter({
    routes: deps.routes,
    readMaxBytes: deps.maxBodyBytes,
    // A JSON field the message does not have is a mistake (a misspelt name, a field of
    // a newer API, an attempt to set what the request does not offer): refuse it
    // rather than act on the rest of the request as if the caller had not said it.
    jsonOptions: { ignoreUnknownFields: false },
    interceptors: [
      errorsAndLogging(),
      authentication(deps.authenticator),
      rateLimiting(deps.rateLimiter),
    ],
    contextValues(req) {
      const requestId = requestIds.get(req) ?? randomUUID();
      const values = createContextValues();
      values.set(requestInfoKey, { requestId, logger: deps.logger.child({ requestId }) });
      return values;
    },
    fallback(_req, res) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: "not_found", message: "no such endpoint" }));
    },
  });

  return (req, res) => {
    const requestId = incomingRequestId(req);
    requestIds.set(req, requestId);
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const path = (req.url ?? "/").split("?")[0];
    if (path === HEALTH_PATH && (req.method === "GET" || req.method === "HEAD")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(req.method === "GET" ? '{"status":"ok"}' : "");
      return;
    }
    // Downloads first: their paths are the API's, never the dashboard's.
    const routes = deps.httpRoutes ?? [];
    if (routes.length > 0) {
      const info = { requestId, logger: deps.logger.child({ requestId }) };
      if (serveHttpRoute(routes, deps, req, res, info)) return;
    }
    if (deps.consoleAssets?.(req, res) === true) return;
    connect(req, res);
  };
}
