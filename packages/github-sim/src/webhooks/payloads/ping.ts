import type { PingEvent, WebhookEvents } from "@octokit/webhooks-types";
import { resolveUrls, SIM_EPOCH, type GitHubUrls } from "../urls.js";

export interface PingPayloadInput {
  hookId: number;
  appId: number;
  zen?: string;
  /** Where deliveries go; GitHub echoes it in `hook.config.url`. */
  webhookUrl?: string;
  events?: WebhookEvents;
  createdAt?: string;
}

/**
 * The `ping` GitHub sends when an App's webhook is set up. App hooks carry
 * `app_id` and no repository, organization or installation.
 */
export function pingPayload(input: PingPayloadInput, urls?: Partial<GitHubUrls>): PingEvent {
  const u = resolveUrls(urls);
  const createdAt = input.createdAt ?? SIM_EPOCH;
  return {
    zen: input.zen ?? "Keep it logically awesome.",
    hook_id: input.hookId,
    hook: {
      type: "App",
      id: input.hookId,
      name: "web",
      active: true,
      events: input.events ?? ["push", "workflow_job", "workflow_run"],
      config: {
        content_type: "json",
        insecure_ssl: "0",
        url: input.webhookUrl ?? "https://hangar.example.com/webhooks/github",
      },
      updated_at: createdAt,
      created_at: createdAt,
      app_id: input.appId,
      url: `${u.apiBaseUrl}/app/hook/config`,
      ping_url: `${u.apiBaseUrl}/app/hook/pings`,
      deliveries_url: `${u.apiBaseUrl}/app/hook/deliveries`,
    },
  };
}
