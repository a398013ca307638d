import type { Kysely } from "kysely";
import type { GitHubApp, HookDelivery } from "../github/types.js";
import type { Database } from "../storage/schema.js";

// GitHub never retries a failed webhook delivery by itself, and keeps the delivery log
// (and lets the App redeliver) for three days. This activity is the retry: it finds
// the deliveries whose latest attempt failed and that the intake never recorded, and
// asks GitHub to send them again. Redelivery keeps the GUID, so the intake's dedupe
// makes a redundant redelivery harmless; the checks here only avoid wasting requests.

/** GitHub's redelivery window: older deliveries can no longer be redelivered. */
export const redeliveryWindowMs = 3 * 24 * 60 * 60_000;

export interface RedeliveryOptions {
  /** Oldest delivery to consider (ISO 8601); default now minus the 3-day window. */
  since?: string;
  /** Redeliveries asked for in one round, so a long outage is caught up gradually. */
  max?: number;
}

export interface RedeliveryCounts {
  /** Delivery attempts listed within the window. */
  scanned: number;
  /** Distinct GUIDs whose latest attempt failed. */
  failed: number;
  /** Of those, GUIDs the intake recorded anyway (e.g. it answered after GitHub gave up). */
  alreadyRecorded: number;
  redelivered: number;
  /** Redelivery requests GitHub refused; tried again next round. */
  redeliveryErrors: number;
}

export type RedeliveryActivities = ReturnType<typeof createRedeliveryActivities>;

const defaultMax = 100;
/** GUIDs per `IN (...)` lookup: far below PostgreSQL's parameter limit. */
const lookupChunk = 500;

function succeeded(delivery: HookDelivery): boolean {
  return delivery.statusCode >= 200 && delivery.statusCode < 300;
}

/** An attempt with no parseable time is kept: dropping it could lose a delivery. */
function olderThan(delivery: HookDelivery, horizonMs: number): boolean {
  const at = Date.parse(delivery.deliveredAt);
  return Number.isFinite(at) && at < horizonMs;
}

export function createRedeliveryActivities(deps: {
  db: Kysely<Database>;
  /** Null where no GitHub client is configured: the activity fails. */
  github: GitHubApp | null;
}) {
  const { db } = deps;
  const app = (): GitHubApp => {
    if (deps.github === null) throw new Error("no GitHub client configured for this worker");
    return deps.github;
  };

  async function recordedGuids(guids: readonly string[]): Promise<Set<string>> {
    const recorded = new Set<string>();
    for (let i = 0; i < guids.length; i += lookupChunk) {
      const chunk = guids.slice(i, i + lookupChunk);
      const rows = await db
        .selectFrom("webhook_deliveries")
        .select("delivery_guid")
        .where("delivery_guid", "in", chunk)
        .execute();
      for (const row of rows) recorded.add(row.delivery_guid);
    }
    return recorded;
  }

  /**
   * The latest attempt of each failed GUID in the window, oldest first. The log is
   * newest first and holds one record per attempt, so a GUID's first appearance is its
   * latest attempt and decides it.
   */
  async function failedLatestAttempts(
    horizonMs: number,
  ): Promise<{ scanned: number; failed: HookDelivery[] }> {
    const seen = new Set<string>();
    const failed: HookDelivery[] = [];
    let scanned = 0;
    let cursor: string | undefined;
    for (;;) {
      const page = await app().listDeliveries({
        perPage: 100,
        ...(cursor === undefined ? {} : { cursor }),
      });
      let pastHorizon = false;
      for (const delivery of page.deliveries) {
        if (olderThan(delivery, horizonMs)) {
          pastHorizon = true;
          break;
        }
        scanned += 1;
        if (seen.has(delivery.guid)) continue;
        seen.add(delivery.guid);
        if (!succeeded(delivery)) failed.push(delivery);
      }
      cursor = page.nextCursor;
      if (pastHorizon || cursor === undefined) break;
    }
    // Oldest first: those closest to leaving GitHub's window go before `max` runs out.
    failed.reverse();
    return { scanned, failed };
  }

  return {
    async redeliverFailedDeliveries(options: RedeliveryOptions = {}): Promise<RedeliveryCounts> {
      const horizonMs =
        options.since === undefined ? Date.now() - redeliveryWindowMs : Date.parse(options.since);
      if (!Number.isFinite(horizonMs)) throw new Error(`invalid since: ${options.since}`);
      const max = options.max ?? defaultMax;

      const { scanned, failed } = await failedLatestAttempts(horizonMs);
      const recorded = await recordedGuids(failed.map((d) => d.guid));
      const missing = failed.filter((d) => !recorded.has(d.guid));

      let redelivered = 0;
      let redeliveryErrors = 0;
      for (const delivery of missing.slice(0, max)) {
        try {
          await app().redeliver(delivery.id);
          redelivered += 1;
        } catch {
          // One refused redelivery (e.g. it just left the window) must not stop the
          // round; the GUID is still missing, so the next round tries it again.
          redeliveryErrors += 1;
        }
      }
      return {
        scanned,
        failed: failed.length,
        alreadyRecorded: failed.length - missing.length,
        redelivered,
        redeliveryErrors,
      };
    },
  };
}
