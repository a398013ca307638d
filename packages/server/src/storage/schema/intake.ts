import type { Generated, GeneratedAlways } from "kysely";
import type { Timestamp, CreatedAt, Int8, Json } from "./columns.js";

// Webhook deliveries, the signal outbox, the audit log and relation tuples.

export type WebhookDeliveryStatus = "received" | "routed" | "ignored" | "failed";

export interface WebhookDeliveriesTable {
  delivery_guid: string;
  event: string;
  action: string | null;
  installation_id: Int8 | null;
  hook_id: Int8 | null;
  target_type: string | null;
  target_id: Int8 | null;
  payload_bytes: number;
  payload: Json | null;
  status: Generated<WebhookDeliveryStatus>;
  status_reason: string | null;
  received_at: CreatedAt;
  processed_at: Timestamp | null;
}

export interface SignalOutboxTable {
  id: GeneratedAlways<bigint>;
  delivery_guid: string | null;
  workflow_id: string;
  workflow_type: string;
  signal_name: string;
  payload: Json;
  attempts: Generated<number>;
  next_attempt_at: CreatedAt;
  sent_at: Timestamp | null;
  last_error: string | null;
  created_at: CreatedAt;
  permanent_failures: Generated<number>;
  dead_lettered_at: Timestamp | null;
  /** W3C traceparent of the delivery's span; the relay continues that trace. */
  trace_parent: string | null;
}

export interface AuditLogTable {
  id: GeneratedAlways<bigint>;
  at: CreatedAt;
  actor: string;
  workspace_id: string | null;
  object_type: string;
  object_id: string;
  action: string;
  before: Json | null;
  after: Json | null;
  request_id: string | null;
}

export interface RelationTuplesTable {
  id: GeneratedAlways<bigint>;
  namespace: string;
  object: string;
  relation: string;
  subject_id: string | null;
  subject_set_namespace: string | null;
  subject_set_object: string | null;
  subject_set_relation: string | null;
  created_at: CreatedAt;
}
