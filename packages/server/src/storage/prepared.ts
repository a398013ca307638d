import { createHash } from "node:crypto";
import type { CompiledQuery, Kysely } from "kysely";
import type pg from "pg";

/** Runs a compiled query and returns its rows. */
export type QueryRunner = <R>(query: CompiledQuery<R>) => Promise<R[]>;

/**
 * Runs compiled Kysely queries as named prepared statements on `pool`, for hot paths.
 * PostgreSQL then plans each statement once per connection (and, after a few
 * executions, keeps a generic plan) instead of parsing and planning it on every call:
 * for the short, join-heavy statements of such paths planning costs several times the
 * execution. The name carries a hash of the text, so two texts never share a name.
 * Without a pool (tests that hand over only Kysely) queries run unprepared, as usual.
 */
export function queryRunner<DB>(db: Kysely<DB>, pool?: pg.Pool): QueryRunner {
  if (pool === undefined) {
    return async <R>(query: CompiledQuery<R>) => (await db.executeQuery(query)).rows;
  }
  const names = new Map<string, string>();
  return async <R>(query: CompiledQuery<R>) => {
    let name = names.get(query.sql);
    if (name === undefined) {
      name = `hangar_${createHash("sha256").update(query.sql).digest("hex").slice(0, 16)}`;
      names.set(query.sql, name);
    }
    const result = await pool.query<R & pg.QueryResultRow>({
      name,
      text: query.sql,
      values: [...query.parameters],
    });
    return result.rows;
  };
}
