import { SpanKind, type Span } from "@opentelemetry/api";
import { classifyEvent, routeEvent, type OutboxSignal } from "../domain/routing.js";
import type { Logger } from "../observability/logger.js";
import { traceParentOf, withSpan } from "../observability/tracing-context.js";
import {
  recordDelivery,
  type DeliveryRecord,
  type DeliveryStore,
  type RecordOutcome,
} from "./deliveries.js";
import { readDeliveryHeaders, single, type DeliveryHeaders } from "./headers.js";
import type { IsHangarJob } from "./label-matcher.js";
import { narrowEvent } from "./narrow.js";
import { envelopeSchema } from "./payload-schemas.js";
import type { SignatureCheck } from "./signature.js";

// One webhook delivery from raw bytes to an HTTP answer, in the order that keeps
// untrusted input away from everything else: signature over the raw bytes, then
// headers, then JSON, then the few fields used. Independent of Fastify so that the
// order is visible in one place.

export interface DeliveryHandlerDeps extends DeliveryStore {
  verify: (rawBody: Buffer, header: string | undefined) => SignatureCheck;
  isHangarJob: IsHangarJob;
  logger: Logger;
}

export interface DeliveryResponse {
  status: number;
  body: Record<string, unknown>;
}

type Headers = Record<string, string | string[] | undefined>;

// jsonb refuses \u0000 escapes, which JSON (and so GitHub) allows.
const UNSUPPORTED_UNICODE_ESCAPE = "22P05";

/**
 * One span per delivery, named for what it is and carrying only identifiers (never
 * the payload); its traceparent is stored with the delivery's signals so that the
 * relay continues the same trace into Temporal.
 */
export function handleDelivery(
  deps: DeliveryHandlerDeps,
  request: { headers: Headers; rawBody: Buffer },
): Promise<DeliveryResponse> {
  return withSpan("webhook delivery", { kind: SpanKind.SERVER }, async (span) => {
    const response = await handle(deps, request, span);
    span.setAttribute("http.response.status_code", response.status);
    return response;
  });
}

async function handle(
  deps: DeliveryHandlerDeps,
  request: { headers: Headers; rawBody: Buffer },
  span: Span,
): Promise<DeliveryResponse> {
  const { logger } = deps;
  const signature = deps.verify(request.rawBody, single(request.headers["x-hub-signature-256"]));
  if (signature.kind === "invalid") {
    logger.warn({ reason: signature.reason, bytes: request.rawBody.length }, "delivery rejected");
    return { status: 401, body: { error: "invalid signature" } };
  }
  const headerCheck = readDeliveryHeaders(request.headers);
  if (headerCheck.kind === "invalid") {
    logger.warn({ reason: headerCheck.reason }, "delivery rejected");
    return { status: 400, body: { error: headerCheck.reason } };
  }
  const headers = headerCheck.headers;
  span.setAttributes({ "github.delivery": headers.deliveryGuid, "github.event": headers.event });
  const log = logger.child({ deliveryGuid: headers.deliveryGuid, event: headers.event });

  const text = request.rawBody.toString("utf8");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    log.warn("delivery rejected: malformed JSON");
    return { status: 400, body: { error: "malformed JSON" } };
  }
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) {
    log.warn("delivery rejected: not a JSON object");
    return { status: 400, body: { error: "payload must be a JSON object" } };
  }
  const action = envelope.data.action ?? null;
  const base = {
    headers,
    action,
    installationId: envelope.data.installation?.id ?? null,
    payloadBytes: request.rawBody.length,
    traceParent: traceParentOf(span),
  };
  if (action !== null) span.setAttribute("github.action", action);
  if (base.installationId !== null) {
    span.setAttribute("github.installation_id", base.installationId);
  }
  const record = (
    status: DeliveryRecord["status"],
    reason: string | null,
    signals: readonly OutboxSignal[],
  ): Promise<RecordOutcome> => {
    span.setAttributes({ "hangar.delivery.status": status, "hangar.signals": signals.length });
    return store(deps, toRecord(base, status, reason, status === "failed" ? text : null), signals);
  };

  const classified = classifyEvent(headers.event, action);
  if (classified.kind === "ignored") {
    return answer(log, action, await record("ignored", classified.reason, []), classified.reason);
  }
  const narrowed = narrowEvent(classified.event, action, body);
  if (narrowed.kind === "invalid") {
    const outcome = await record("failed", narrowed.reason, []);
    log.warn({ action, reason: narrowed.reason }, "delivery recorded as failed");
    return outcome.kind === "duplicate"
      ? { status: 200, body: { duplicate: true } }
      : { status: 422, body: { error: "unexpected payload", reason: narrowed.reason } };
  }
  const event = narrowed.event;
  if (event.event === "workflow_job") {
    const { labels } = event.payload.workflow_job;
    if (!(await deps.isHangarJob(labels, event.payload.installation.id))) {
      const reason = "labels not served by Hangar";
      return answer(log, action, await record("ignored", reason, []), reason);
    }
  }
  const decision = routeEvent(event);
  if (decision.kind === "ignored") {
    const outcome = await record("ignored", decision.reason, []);
    if (event.event === "ping" && outcome.kind === "recorded") {
      log.info("ping received");
      return { status: 200, body: { ok: true } };
    }
    return answer(log, action, outcome, decision.reason);
  }
  return answer(log, action, await record("routed", null, decision.signals), null);
}

function answer(
  log: Logger,
  action: string | null,
  outcome: RecordOutcome,
  ignoredReason: string | null,
): DeliveryResponse {
  if (outcome.kind === "duplicate") {
    log.info({ action }, "duplicate delivery");
    return { status: 200, body: { duplicate: true } };
  }
  if (ignoredReason !== null) {
    log.info({ action, reason: ignoredReason }, "delivery ignored");
    return { status: 202, body: { ok: true, status: "ignored", reason: ignoredReason } };
  }
  log.info({ action, signals: outcome.signals }, "delivery accepted");
  return { status: 202, body: { ok: true, status: "routed", signals: outcome.signals } };
}

function toRecord(
  base: {
    headers: DeliveryHeaders;
    action: string | null;
    installationId: number | null;
    payloadBytes: number;
    traceParent: string | null;
  },
  status: DeliveryRecord["status"],
  statusReason: string | null,
  payloadJson: string | null,
): DeliveryRecord {
  const { headers } = base;
  return {
    deliveryGuid: headers.deliveryGuid,
    event: headers.event,
    action: base.action,
    installationId: base.installationId,
    hookId: headers.hookId,
    targetType: headers.targetType,
    targetId: headers.targetId,
    payloadBytes: base.payloadBytes,
    payloadJson,
    status,
    statusReason,
    traceParent: base.traceParent,
  };
}

/** Records the delivery; a payload jsonb cannot hold is dropped rather than the delivery. */
async function store(
  db: DeliveryStore,
  record: DeliveryRecord,
  signals: readonly OutboxSignal[],
): Promise<RecordOutcome> {
  try {
    return await recordDelivery(db, record, signals);
  } catch (error) {
    if (!hasCode(error, UNSUPPORTED_UNICODE_ESCAPE) || record.payloadJson === null) throw error;
    const reason = [record.statusReason, "payload not kept: \\u0000 escape"].filter(Boolean);
    return recordDelivery(
      db,
      { ...record, payloadJson: null, statusReason: reason.join("; ") },
      signals,
    );
  }
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === code;
}
