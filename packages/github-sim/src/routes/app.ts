import type { components } from "@octokit/openapi-types";
import type { FastifyInstance } from "fastify";
import { isoAt } from "../clock.js";
import { GitHubHttpError, notFound } from "../http-error.js";
import type { InstallationRecord } from "../state/records.js";
import { DEFAULT_EVENTS, DEFAULT_PERMISSIONS, user } from "../webhooks/payloads/accounts.js";
import { restInstallation } from "../webhooks/payloads/rest.js";
import type { RouteDeps } from "./deps.js";
import { paginate } from "./pagination.js";

type Schemas = components["schemas"];

const jwt = { config: { auth: "jwt" as const } };

function installationParam(deps: RouteDeps, raw: string): InstallationRecord {
  const installation = deps.ctx.state.installations.get(Number(raw));
  if (!installation) throw notFound();
  return installation;
}

/** The endpoints an App calls with its JWT: itself, its installations, token minting. */
export function appRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get("/app", jwt, (_request, reply) => {
    const created = isoAt(deps.ctx.clock.now());
    const body: Schemas["integration"] = {
      id: deps.app.id,
      slug: deps.app.slug,
      client_id: deps.app.clientId,
      node_id: Buffer.from(`03:App${deps.app.id}`).toString("base64"),
      name: deps.app.slug,
      description: "The GitHub App Hangar runs as, simulated",
      owner: user(deps.ctx.state.sender, deps.urls()),
      external_url: "https://hangar.example",
      html_url: `${deps.urls().webBaseUrl}/apps/${deps.app.slug}`,
      created_at: created,
      updated_at: created,
      permissions: DEFAULT_PERMISSIONS,
      events: [...DEFAULT_EVENTS],
      installations_count: deps.ctx.state.installations.size,
    };
    return reply.send(body);
  });

  app.get<{ Querystring: Record<string, string> }>(
    "/app/installations",
    jwt,
    async (request, reply) => {
      const all = [...deps.ctx.state.installations.values()].sort((a, b) => a.id - b.id);
      const page = paginate(all, request.query, new URL(request.url, deps.urls().apiBaseUrl));
      if (page.link) void reply.header("link", page.link);
      return page.items.map((i) => restInstallation(i, deps.urls()));
    },
  );

  app.get<{ Params: { id: string } }>("/app/installations/:id", jwt, (request, reply) =>
    reply.send(restInstallation(installationParam(deps, request.params.id), deps.urls())),
  );

  app.post<{ Params: { id: string } }>(
    "/app/installations/:id/access_tokens",
    jwt,
    async (request, reply) => {
      const installation = installationParam(deps, request.params.id);
      if (installation.suspendedAt !== null) {
        throw new GitHubHttpError(403, "This installation has been suspended");
      }
      const minted = deps.tokens.mint(installation.id, deps.ctx.clock.now(), deps.tokenTtlSeconds);
      const body: Schemas["installation-token"] = {
        token: minted.token,
        expires_at: isoAt(minted.expiresAtMs),
        permissions: installation.permissions ?? DEFAULT_PERMISSIONS,
        repository_selection: installation.repositorySelection,
      };
      return reply.code(201).send(body);
    },
  );
}
