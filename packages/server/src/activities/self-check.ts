import { sql, type Kysely } from "kysely";
import type { Database } from "../storage/schema.js";

export interface SelfCheckResult {
  postgresVersion: string;
  schemaVersion: number;
  workerIdentity: string;
}

/**
 * Activities behind the self-check workflow: proof that a workflow reaches a
 * worker, and the worker reaches PostgreSQL with the schema migrated. Used by
 * `hangar start` and readiness checks, and as the smallest end-to-end test of
 * the Temporal path.
 */
export function createSelfCheckActivities(deps: { db: Kysely<Database>; workerIdentity: string }) {
  return {
    async checkDatabase(): Promise<Omit<SelfCheckResult, "workerIdentity">> {
      const { rows } = await sql<{ version: string; schema: number | null }>`
        select current_setting('server_version') as version,
               (select max(version) from schema_migrations) as schema
      `.execute(deps.db);
      const row = rows[0];
      if (!row) throw new Error("self-check: empty result from PostgreSQL");
      return { postgresVersion: row.version, schemaVersion: row.schema ?? 0 };
    },

    async describeWorker(): Promise<string> {
      return Promise.resolve(deps.workerIdentity);
    },
  };
}

export type SelfCheckActivities = ReturnType<typeof createSelfCheckActivities>;
