import type { z } from "zod";
import {
  handledActions,
  type HandledEventName,
  type WebhookEvent,
} from "../domain/webhook-events.js";
import {
  installationPayloadSchema,
  installationRepositoriesPayloadSchema,
  pushPayloadSchema,
  workflowJobPayloadSchema,
  workflowRunPayloadSchema,
} from "./payload-schemas.js";

export type NarrowResult =
  { kind: "narrowed"; event: WebhookEvent } | { kind: "invalid"; reason: string };

/**
 * Turns a parsed body into the typed event that routing takes. Called only for events
 * and actions classifyEvent said Hangar handles; a payload that does not fit is
 * "invalid" and the reason names the offending fields, never their values.
 */
export function narrowEvent(
  event: HandledEventName,
  action: string | null,
  body: unknown,
): NarrowResult {
  switch (event) {
    case "installation": {
      const a = actionOf(handledActions.installation, action);
      return a === undefined
        ? badAction(event)
        : parsed(installationPayloadSchema, body, (payload) => ({ event, action: a, payload }));
    }
    case "installation_repositories": {
      const a = actionOf(handledActions.installation_repositories, action);
      return a === undefined
        ? badAction(event)
        : parsed(installationRepositoriesPayloadSchema, body, (payload) => ({
            event,
            action: a,
            payload,
          }));
    }
    case "workflow_job": {
      const a = actionOf(handledActions.workflow_job, action);
      return a === undefined
        ? badAction(event)
        : parsed(workflowJobPayloadSchema, body, (payload) => ({ event, action: a, payload }));
    }
    case "workflow_run": {
      const a = actionOf(handledActions.workflow_run, action);
      return a === undefined
        ? badAction(event)
        : parsed(workflowRunPayloadSchema, body, (payload) => ({ event, action: a, payload }));
    }
    case "push":
      return parsed(pushPayloadSchema, body, (payload) => ({ event, action: null, payload }));
    case "ping":
      return { kind: "narrowed", event: { event, action: null, payload: null } };
    default:
      return unreachable(event);
  }
}

function actionOf<A extends string>(actions: readonly A[], action: string | null): A | undefined {
  return actions.find((candidate) => candidate === action);
}

function badAction(event: string): NarrowResult {
  return { kind: "invalid", reason: `${event}: action not handled` };
}

function parsed<T>(
  schema: z.ZodType<T>,
  body: unknown,
  build: (payload: T) => WebhookEvent,
): NarrowResult {
  const result = schema.safeParse(body);
  if (result.success) return { kind: "narrowed", event: build(result.data) };
  // Paths and codes only: a message may quote the received value.
  const fields = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.code}`);
  return { kind: "invalid", reason: `payload does not match: ${fields.join("; ")}` };
}

function unreachable(value: never): never {
  throw new TypeError(`unhandled event ${String(value)}`);
}
