import { randomBytes } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { verifyAppJwt } from "./auth/app-jwt.js";
import { badCredentials, DOCS, GitHubHttpError } from "./http-error.js";
import type { InFlight } from "./rate-limit/concurrency.js";
import type { FailureInjector } from "./rate-limit/injected.js";
import { rateLimitHeaders } from "./rate-limit/primary.js";
import type { SecondaryLimiter } from "./rate-limit/secondary.js";
import { requestAuth, setRequestAuth, type RequestAuth, type RouteDeps } from "./routes/deps.js";
import { SimInputError } from "./state/context.js";

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  at: number;
  installationId?: number;
}

export interface PipelineDeps {
  routes: RouteDeps;
  inFlight: InFlight;
  secondary: SecondaryLimiter;
  failures: FailureInjector;
  log: RequestLogEntry[];
}

function requestId(): string {
  const hex = randomBytes(10).toString("hex").toUpperCase();
  return `${hex.slice(0, 4)}:${hex.slice(4, 9)}:${hex.slice(9, 14)}:${hex.slice(14, 20)}`;
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^(?:token|bearer)\s+(\S+)$/i.exec(header);
  return match?.[1];
}

async function authenticate(request: FastifyRequest, deps: RouteDeps): Promise<RequestAuth> {
  const kind = request.routeOptions.config.auth;
  if (kind === undefined || kind === "none") return { kind: "none" };
  const credential = bearer(request);
  const now = deps.ctx.clock.now();
  if (credential === undefined) {
    throw new GitHubHttpError(401, "Requires authentication");
  }
  if (kind === "jwt") {
    if (credential.startsWith("ghs_")) {
      throw new GitHubHttpError(401, "A JSON web token could not be decoded");
    }
    await verifyAppJwt(credential, {
      publicKey: deps.keys.publicKey,
      appId: deps.app.id,
      clientId: deps.app.clientId,
      nowMs: now,
    });
    return { kind: "app" };
  }
  const installationId = deps.tokens.resolve(credential, now);
  if (installationId === undefined || !deps.ctx.state.installations.has(installationId)) {
    throw badCredentials();
  }
  return { kind: "installation", installationId };
}

function bucketOf(auth: RequestAuth): string {
  return auth.kind === "installation" ? `installation:${auth.installationId}` : "app";
}

/**
 * GitHub's order of checks: concurrency, credentials, (injected faults),
 * the hourly budget, then the per-endpoint points. Every answer, errors
 * included, carries the rate-limit headers of the caller's bucket.
 */
async function pipeline(
  deps: PipelineDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  if (request.routeOptions.config.auth === undefined) return;
  const { routes } = deps;
  const now = routes.ctx.clock.now();
  deps.inFlight.check();
  await deps.inFlight.gate();
  const auth = await authenticate(request, routes);
  setRequestAuth(request, auth);
  const installationId = auth.kind === "installation" ? auth.installationId : undefined;
  const bucket = bucketOf(auth);
  reply.headers(rateLimitHeaders(routes.primary.peek(bucket, now)));
  const path = request.url.split("?")[0] ?? request.url;
  const injected = deps.failures.take(request.method, path, installationId, now);
  if (injected) throw injected;
  // GET /rate_limit is free, as on GitHub.
  if (request.routeOptions.url === "/rate_limit") return;
  reply.headers(rateLimitHeaders(routes.primary.consume(bucket, now, installationId)));
  deps.secondary.consume(request.method, request.routeOptions.url ?? path, now);
}

export function buildServer(deps: PipelineDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 25 * 1024 * 1024 });

  // Clients send POSTs with no body or odd content types; GitHub accepts them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text.trim() === "") {
      done(null, {});
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new GitHubHttpError(400, "Problems parsing JSON"), undefined);
    }
  });

  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-github-request-id", requestId());
    reply.header("x-github-api-version-selected", "2022-11-28");
    // GitHub's clock, not the host's: Octokit's App auth corrects JWT skew from this header.
    reply.header("date", new Date(deps.routes.ctx.clock.now()).toUTCString());
    if (request.url.startsWith("/_sim")) return;
    deps.inFlight.enter();
    // Unknown routes and early errors carry the headers too, as every GitHub answer does.
    reply.headers(rateLimitHeaders(deps.routes.primary.peek("app", deps.routes.ctx.clock.now())));
  });
  app.addHook("onResponse", async (request, reply) => {
    if (request.url.startsWith("/_sim")) return;
    deps.inFlight.leave();
    const entry: RequestLogEntry = {
      method: request.method,
      path: request.url.split("?")[0] ?? request.url,
      status: reply.statusCode,
      at: deps.routes.ctx.clock.now(),
    };
    const auth = requestAuth(request);
    if (auth.kind === "installation") entry.installationId = auth.installationId;
    deps.log.push(entry);
  });
  app.addHook("preHandler", async (request, reply) => pipeline(deps, request, reply));

  app.setNotFoundHandler(async (_request, reply) =>
    reply.code(404).send({ message: "Not Found", documentation_url: DOCS, status: "404" }),
  );
  app.setErrorHandler(async (error: unknown, _request, reply) => {
    if (error instanceof GitHubHttpError) {
      return reply.code(error.status).headers(error.headers).send(error.body());
    }
    if (error instanceof SimInputError) {
      return reply.code(error.status).send({ message: error.message });
    }
    const status =
      typeof error === "object" &&
      error !== null &&
      "statusCode" in error &&
      typeof error.statusCode === "number"
        ? error.statusCode
        : 500;
    const message = error instanceof Error ? error.message : "Server Error";
    return reply.code(status).send({ message, documentation_url: DOCS, status: String(status) });
  });
  return app;
}
