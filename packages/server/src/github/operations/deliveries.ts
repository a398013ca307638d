import type { components } from "@octokit/openapi-types";
import type { HangarOctokit } from "../request-pipeline.js";
import type { DeliveryPage, HookDelivery } from "../types.js";
import { toId, toOptionalId } from "./convert.js";

// GitHub never retries a failed webhook delivery by itself; Hangar lists the
// App's deliveries and asks for failed ones again (for up to 3 days).

type DeliveryData = components["schemas"]["hook-delivery-item"];

function mapDelivery(data: DeliveryData): HookDelivery {
  return {
    id: toId(data.id),
    guid: data.guid,
    event: data.event,
    action: data.action,
    status: data.status,
    statusCode: data.status_code,
    deliveredAt: data.delivered_at,
    redelivery: data.redelivery,
    installationId: toOptionalId(data.installation_id),
    repositoryId: toOptionalId(data.repository_id),
  };
}

/** This endpoint pages by an opaque cursor, carried in the `Link: rel="next"` URL. */
function nextCursor(link: string | undefined): string | undefined {
  const next = /<([^<>]+)>;\s*rel="next"/.exec(link ?? "")?.[1];
  if (next === undefined) return undefined;
  return new URL(next).searchParams.get("cursor") ?? undefined;
}

export async function listDeliveries(
  octokit: HangarOctokit,
  options: { perPage?: number; cursor?: string } = {},
): Promise<DeliveryPage> {
  const response = await octokit.request("GET /app/hook/deliveries", {
    per_page: options.perPage ?? 100,
    ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
  });
  const cursor = nextCursor(response.headers.link);
  return {
    deliveries: response.data.map(mapDelivery),
    ...(cursor === undefined ? {} : { nextCursor: cursor }),
  };
}

export async function* allDeliveries(
  octokit: HangarOctokit,
  options: { perPage?: number } = {},
): AsyncGenerator<HookDelivery> {
  const pages = octokit.paginate.iterator("GET /app/hook/deliveries", {
    per_page: options.perPage ?? 100,
  });
  for await (const page of pages) {
    for (const delivery of page.data) yield mapDelivery(delivery);
  }
}

export async function redeliver(octokit: HangarOctokit, deliveryId: number): Promise<void> {
  await octokit.request("POST /app/hook/deliveries/{delivery_id}/attempts", {
    delivery_id: deliveryId,
  });
}
