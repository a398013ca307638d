import type { components } from "@octokit/openapi-types";
import type { FastifyInstance } from "fastify";
import { GitHubHttpError, notFound } from "../http-error.js";
import type { DeliveryRecord } from "../delivery/sender.js";
import type { RouteDeps } from "./deps.js";

const jwt = { config: { auth: "jwt" as const } };

/** GitHub's words for an attempt's outcome in the deliveries API. */
function statusText(d: DeliveryRecord): string {
  switch (d.status) {
    case "delivered":
      return "OK";
    case "failed":
      return d.statusCode === null ? "Timed out" : `Invalid HTTP Response: ${d.statusCode}`;
    case "dropped":
      return "Couldn't connect to server";
    case "pending":
      return "Pending";
  }
}

function summary(d: DeliveryRecord): components["schemas"]["hook-delivery-item"] {
  return {
    id: d.id,
    guid: d.guid,
    delivered_at: d.deliveredAt ?? "",
    redelivery: d.redelivery,
    duration: d.durationMs === null ? 0 : d.durationMs / 1000,
    status: statusText(d),
    status_code: d.statusCode ?? 0,
    event: d.event,
    action: d.action,
    installation_id: d.installationId,
    repository_id: d.repositoryId,
    throttled_at: null,
  };
}

/** The App's webhook delivery log: how clients find failed deliveries and redeliver them. */
export function hookDeliveryRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get<{ Querystring: { per_page?: string; cursor?: string } }>(
    "/app/hook/deliveries",
    jwt,
    async (request, reply) => {
      const perPage = Math.min(100, Math.max(1, Number(request.query.per_page ?? 30) || 30));
      // Newest first; the cursor is the id to continue below, opaque to clients.
      const attempted = deps.deliveries
        .list()
        .filter((d) => d.status !== "pending")
        .sort((a, b) => b.id - a.id);
      const cursor = request.query.cursor;
      const after =
        cursor === undefined ? undefined : Number(Buffer.from(cursor, "base64url").toString());
      if (after !== undefined && !Number.isInteger(after)) {
        throw new GitHubHttpError(422, "Invalid cursor");
      }
      const rest = after === undefined ? attempted : attempted.filter((d) => d.id < after);
      const items = rest.slice(0, perPage);
      const last = items[items.length - 1];
      if (last && rest.length > perPage) {
        const url = new URL(request.url, deps.urls().apiBaseUrl);
        url.searchParams.set("per_page", String(perPage));
        url.searchParams.set("cursor", Buffer.from(String(last.id)).toString("base64url"));
        void reply.header("link", `<${url.toString()}>; rel="next"`);
      }
      return items.map(summary);
    },
  );

  app.get<{ Params: { id: string } }>("/app/hook/deliveries/:id", jwt, (request, reply) => {
    const d = deps.deliveries.find(Number(request.params.id));
    if (!d) throw notFound();
    return reply.send({
      ...summary(d),
      url: "",
      // The body is always JSON this simulator wrote itself.
      request: { headers: d.requestHeaders, payload: JSON.parse(d.body) as unknown },
      response: { headers: d.responseHeaders, payload: d.responseBody },
    });
  });

  app.post<{ Params: { id: string } }>(
    "/app/hook/deliveries/:id/attempts",
    jwt,
    async (request, reply) => {
      const attempt = deps.deliveries.redeliver(Number(request.params.id));
      if (!attempt) throw notFound();
      return reply.code(202).send({});
    },
  );
}
