import type { Kysely } from "kysely";
import { significantJobLabels } from "../domain/labels.js";
import type { Database } from "../storage/schema.js";

/**
 * Whether a workflow_job may be taken by one of Hangar's runners. GitHub sends job
 * events for every job of an installation, GitHub-hosted ones included; answering this
 * cheaply keeps those out of Temporal.
 */
export type IsHangarJob = (labels: readonly string[], installationId: number) => Promise<boolean>;

/**
 * GitHub gives a job to a runner that has all of its labels, so a job is Hangar's when
 * one configuration's label set (its name plus its labels) covers every significant
 * label. A job with only default labels is not: nothing identifies it as Hangar's.
 */
export function matchesAnyConfiguration(
  labels: readonly string[],
  configurations: readonly ReadonlySet<string>[],
): boolean {
  // The same notion of "significant" as the job workflow's configuration matching, so
  // the intake never drops a job that a workflow would have served.
  const wanted = significantJobLabels(labels);
  if (wanted.length === 0) return false;
  return configurations.some((configuration) => wanted.every((l) => configuration.has(l)));
}

export interface LabelMatcherOptions {
  /** How long a snapshot of the runner configurations is trusted. */
  ttlMs?: number;
  /**
   * On a miss, a snapshot older than this is reloaded and the job checked again, so a
   * configuration created seconds ago is not missed for a whole TTL. Bounded so that a
   * stream of GitHub-hosted jobs costs at most one query per interval.
   */
  missRefreshMs?: number;
  now?: () => number;
}

type Snapshot = Map<number, ReadonlySet<string>[]>;

/**
 * An IsHangarJob over the `runners` table. The whole table of live configurations
 * (deleted_at IS NULL; a configuration being deleted may still have jobs finishing)
 * is cached per process and reloaded when stale; concurrent callers share one load.
 */
export function createLabelMatcher(
  db: Kysely<Database>,
  options: LabelMatcherOptions = {},
): IsHangarJob {
  const ttlMs = options.ttlMs ?? 5_000;
  const missRefreshMs = options.missRefreshMs ?? 1_000;
  const now = options.now ?? Date.now;
  let snapshot: Snapshot | undefined;
  let loadedAt = 0;
  let loading: Promise<Snapshot> | undefined;

  const load = (): Promise<Snapshot> => {
    loading ??= loadConfigurations(db)
      .then((loaded) => {
        snapshot = loaded;
        loadedAt = now();
        return loaded;
      })
      .finally(() => {
        loading = undefined;
      });
    return loading;
  };

  return async (labels, installationId) => {
    const current = snapshot !== undefined && now() - loadedAt < ttlMs ? snapshot : await load();
    if (matchesAnyConfiguration(labels, current.get(installationId) ?? [])) return true;
    if (now() - loadedAt < missRefreshMs) return false;
    const fresh = await load();
    return matchesAnyConfiguration(labels, fresh.get(installationId) ?? []);
  };
}

async function loadConfigurations(db: Kysely<Database>): Promise<Snapshot> {
  const rows = await db
    .selectFrom("runners")
    .select(["installation_id", "name", "labels"])
    .where("deleted_at", "is", null)
    .execute();
  const byInstallation: Snapshot = new Map();
  for (const row of rows) {
    // Stored lowercased (a CHECK enforces it); lowercased again so the cache does not
    // depend on that.
    const set = new Set([row.name, ...row.labels].map((l) => l.toLowerCase()));
    const key = Number(row.installation_id);
    const list = byInstallation.get(key) ?? [];
    list.push(set);
    byInstallation.set(key, list);
  }
  return byInstallation;
}
