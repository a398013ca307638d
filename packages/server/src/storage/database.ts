import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "./schema.js";

// PostgreSQL type OIDs (pg_type.oid), stable across versions.
const oid = { int8: 20, int8Array: 1016, textArray: 1009, date: 1082, numeric: 1700 } as const;

/**
 * How values come out of PostgreSQL, set per pool so that no other pg user in the
 * process (Temporal's, a library's) is affected:
 *
 * - int8 → bigint. GitHub ids fit in a double today, but int8 is exact only as bigint,
 *   and the API's protobuf-es int64 fields are bigint too, so values pass through.
 *   Catch: JSON.stringify throws on bigint, so convert before handing rows to Temporal
 *   or JSON (String(id), or Number(id) where the value is known to be small).
 * - numeric → string (pg's default, pinned here): money is never a float.
 * - date → "YYYY-MM-DD" string: pg's default builds a Date at local midnight, which
 *   shifts the day in any time zone west of UTC.
 * - timestamptz stays Date (pg's default); it is an instant, not a calendar value.
 */
function createTypeParsers(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(oid.int8, (value: string) => BigInt(value));
  // @types/pg declares getTypeParser's result as taking a number; it takes the text.
  const parseTextArray = types.getTypeParser(oid.textArray) as unknown as (
    value: string,
  ) => unknown;
  types.setTypeParser(oid.int8Array, (value: string) => {
    const items: unknown = parseTextArray(value);
    if (!Array.isArray(items)) throw new TypeError(`unexpected int8[] value ${value}`);
    return items.map((item: unknown) => (typeof item === "string" ? BigInt(item) : null));
  });
  types.setTypeParser(oid.numeric, (value: string) => value);
  types.setTypeParser(oid.date, (value: string) => value);
  return types;
}

export interface DatabaseHandle {
  db: Kysely<Database>;
  pool: pg.Pool;
  /** Ends the pool. Safe to call more than once, and to pass around unbound. */
  close: () => Promise<void>;
}

export function createDatabase(
  connectionString: string,
  options: {
    max?: number;
    /**
     * Errors of idle pooled connections (e.g. the server restarted). pg drops the broken
     * connection either way and the next query reports the problem; without any listener
     * such an error would crash the process, hence the default of ignoring it.
     */
    onIdleError?: (error: Error) => void;
  } = {},
): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    types: createTypeParsers(),
  });
  pool.on("error", options.onIdleError ?? (() => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closing: Promise<void> | undefined;
  return {
    db,
    pool,
    close: () => {
      // Kysely's destroy() ends the pool; ending it twice would throw.
      closing ??= db.destroy();
      return closing;
    },
  };
}
