import { randomInt, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { isoAt, type Clock } from "../clock.js";
import { deliveryHeaders } from "../webhooks/headers.js";
import { signPayload, signPayloadSha1 } from "../webhooks/signature.js";
import { ChaosPolicy, type ChaosDecision } from "./chaos.js";

export type DeliveryStatus = "pending" | "delivered" | "failed" | "dropped";

export interface DeliveryRecord {
  id: number;
  guid: string;
  event: string;
  action: string | null;
  status: DeliveryStatus;
  statusCode: number | null;
  redelivery: boolean;
  deliveredAt: string | null;
  durationMs: number | null;
  installationId: number | null;
  repositoryId: number | null;
  /** The exact bytes sent (and signed). */
  body: string;
  requestHeaders: Record<string, string>;
  responseBody: string | null;
  responseHeaders: Record<string, string>;
}

export interface OutgoingEvent {
  event: string;
  action: string | null;
  payload: unknown;
  installationId: number | null;
  repositoryId: number | null;
}

interface Queued {
  record: DeliveryRecord;
  chaos: ChaosDecision;
}

/** GitHub gives a receiver 10 s to answer before the delivery counts as failed. */
const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * Sends webhook deliveries one at a time, in order (unless reorder chaos is
 * on), signed over the exact body bytes, and records each attempt. Like
 * GitHub it never retries on its own; failed deliveries can be redelivered.
 */
export class DeliverySender {
  readonly hookId = randomInt(400_000_000, 500_000_000);
  readonly chaos = new ChaosPolicy();
  private readonly records: DeliveryRecord[] = [];
  private readonly queue: Queued[] = [];
  private nextId = randomInt(10_000_000, 20_000_000);
  private pumping: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly appId: number,
    private readonly secret: string,
    private url: string | undefined,
  ) {}

  enqueue(outgoing: OutgoingEvent): DeliveryRecord {
    const body = JSON.stringify(outgoing.payload);
    const chaos = this.chaos.decide();
    const record = this.newRecord(outgoing, randomUUID(), body, false);
    this.queue.push({ record, chaos });
    if (chaos.duplicate) {
      // GitHub's duplicates carry the same GUID: receivers must dedupe by it.
      const twin = this.newRecord(outgoing, record.guid, body, false);
      this.queue.push({ record: twin, chaos: { ...chaos, duplicate: false } });
    }
    this.kick();
    return record;
  }

  /** A new attempt of an earlier delivery: same GUID and bytes, `redelivery: true`. */
  redeliver(id: number): DeliveryRecord | undefined {
    const original = this.records.find((r) => r.id === id);
    if (!original) return undefined;
    const record = this.newRecord(
      {
        event: original.event,
        action: original.action,
        payload: null,
        installationId: original.installationId,
        repositoryId: original.repositoryId,
      },
      original.guid,
      original.body,
      true,
    );
    this.queue.push({ record, chaos: { duplicate: false, drop: false, delayMs: 0 } });
    this.kick();
    return record;
  }

  setUrl(url: string | undefined): void {
    this.url = url;
    this.kick();
  }

  list(): DeliveryRecord[] {
    return [...this.records];
  }

  find(id: number): DeliveryRecord | undefined {
    return this.records.find((r) => r.id === id);
  }

  /** Resolves once every queued delivery has been attempted (pending ones stay if no URL). */
  async drain(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  private newRecord(
    outgoing: OutgoingEvent,
    guid: string,
    body: string,
    redelivery: boolean,
  ): DeliveryRecord {
    const record: DeliveryRecord = {
      id: this.nextId++,
      guid,
      event: outgoing.event,
      action: outgoing.action,
      status: "pending",
      statusCode: null,
      redelivery,
      deliveredAt: null,
      durationMs: null,
      installationId: outgoing.installationId,
      repositoryId: outgoing.repositoryId,
      body,
      requestHeaders: deliveryHeaders({
        event: outgoing.event,
        guid,
        hookId: this.hookId,
        installationTargetId: this.appId,
        installationTargetType: "integration",
        signature256: signPayload(this.secret, body),
        signature1: signPayloadSha1(this.secret, body),
      }),
      responseBody: null,
      responseHeaders: {},
    };
    this.records.push(record);
    return record;
  }

  private kick(): void {
    if (this.pumping || this.closed) return;
    // Start on the next turn, so every event of one state change is queued
    // before the first is sent: reorder chaos then sees them as neighbours.
    this.pumping = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.pump())
      .finally(() => {
        this.pumping = null;
        if (this.queue.length > 0 && this.url !== undefined && !this.closed) this.kick();
      });
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0 && this.url !== undefined) {
      const first = this.queue.shift();
      if (!first) break;
      const second = this.chaos.reorder ? this.queue.shift() : undefined;
      if (second) await this.attempt(second);
      await this.attempt(first);
    }
  }

  private async attempt({ record, chaos }: Queued): Promise<void> {
    const url = this.url;
    if (url === undefined) return;
    if (chaos.delayMs > 0) await sleep(chaos.delayMs);
    record.deliveredAt = isoAt(this.clock.now());
    if (chaos.drop) {
      record.status = "dropped";
      return;
    }
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: record.requestHeaders,
        body: record.body,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      record.responseBody = (await response.text()).slice(0, 64 * 1024);
      record.responseHeaders = Object.fromEntries(response.headers.entries());
      record.statusCode = response.status;
      record.status = response.ok ? "delivered" : "failed";
    } catch {
      record.statusCode = null;
      record.status = "failed";
    }
    record.durationMs = Math.round(performance.now() - started);
  }
}
