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

/**
 * A statement built with Kysely once, with a marker in place of each argument, and
 * then only bound on every call: building and compiling a query costs more than
 * PostgreSQL's execution of a prepared one on hot paths. Construction fails unless
 * each argument appears as exactly one parameter, so a builder that inlines or drops
 * a value is caught at start-up, not by a wrong row.
 */
export function statementTemplate<A extends Record<string, unknown>, R>(
  keys: readonly (keyof A & string)[],
  build: (args: A) => { compile(): CompiledQuery<R> },
): (args: A) => CompiledQuery<R> {
  const markers = Object.fromEntries(keys.map((key) => [key, `\u0000hangar-arg:${key}`]));
  const compiled = build(markers as unknown as A).compile();
  // Each parameter is an argument's key, or a constant of the statement itself.
  const slots: ({ key: keyof A & string } | { constant: unknown })[] = compiled.parameters.map(
    (parameter) => {
      const key = keys.find((candidate) => parameter === markers[candidate]);
      return key === undefined ? { constant: parameter } : { key };
    },
  );
  for (const key of keys) {
    const uses = slots.filter((slot) => "key" in slot && slot.key === key).length;
    if (uses !== 1) throw new Error(`statement argument ${key} is bound ${uses} times, not once`);
  }
  return (args) => ({
    ...compiled,
    parameters: slots.map((slot) => ("key" in slot ? args[slot.key] : slot.constant)),
  });
}
