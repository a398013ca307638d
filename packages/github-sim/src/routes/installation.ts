import type { components } from "@octokit/openapi-types";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { badCredentials } from "../http-error.js";
import { rateLimitHeaders } from "../rate-limit/primary.js";
import type { InstallationRecord } from "../state/records.js";
import { restRepository } from "../webhooks/payloads/rest.js";
import { requestAuth, type RouteDeps } from "./deps.js";
import { paginate } from "./pagination.js";

export const installationAuth = { config: { auth: "installation" as const } };

/** The installation a token-authenticated request acts for. */
export function callerInstallation(deps: RouteDeps, request: FastifyRequest): InstallationRecord {
  const auth = requestAuth(request);
  const installation =
    auth.kind === "installation"
      ? deps.ctx.state.installations.get(auth.installationId)
      : undefined;
  if (!installation) throw badCredentials();
  return installation;
}

export function installationRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get<{ Querystring: Record<string, string> }>(
    "/installation/repositories",
    installationAuth,
    async (request, reply) => {
      const installation = callerInstallation(deps, request);
      const all = deps.ctx.state.installationRepositories(installation);
      const page = paginate(all, request.query, new URL(request.url, deps.urls().apiBaseUrl));
      if (page.link) void reply.header("link", page.link);
      return {
        total_count: all.length,
        repository_selection: installation.repositorySelection,
        repositories: page.items.map((r) => restRepository(r, deps.urls())),
      };
    },
  );

  // Free and open to any caller; a valid installation token shows that installation's budget.
  app.get("/rate_limit", { config: { auth: "none" as const } }, async (request, reply) => {
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
    const now = deps.ctx.clock.now();
    const installationId = token === undefined ? undefined : deps.tokens.resolve(token, now);
    const bucket = installationId === undefined ? "app" : `installation:${installationId}`;
    const w = deps.primary.peek(bucket, now);
    void reply.headers(rateLimitHeaders(w));
    const core = {
      limit: w.limit,
      used: w.used,
      remaining: Math.max(0, w.limit - w.used),
      reset: Math.ceil(w.resetAtMs / 1000),
    };
    // Search has its own small per-minute budget on GitHub; nothing here spends it.
    const search = { limit: 30, used: 0, remaining: 30, reset: Math.ceil((now + 60_000) / 1000) };
    const body: components["schemas"]["rate-limit-overview"] = {
      resources: { core, search },
      rate: core,
    };
    return body;
  });
}
