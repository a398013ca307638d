import type { ColumnType, JSONColumnType } from "kysely";

// Column types shared by the table interfaces: how each PostgreSQL type reads and writes
// through the pg type parsers set up in ../database.ts.

/** timestamptz: read as Date, written as a Date or an ISO 8601 string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp PostgreSQL fills in (DEFAULT now()) unless the insert gives one. */
// Not Generated<Timestamp>: Generated does not unwrap a nested ColumnType.
export type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
/** Maintained by the set_updated_at trigger; queries never write it. */
export type UpdatedAt = ColumnType<Date, never, never>;
/** int8: read as bigint (see database.ts), written as bigint or number. */
export type Int8 = ColumnType<bigint, bigint | number, bigint | number>;
/** numeric: an exact decimal string ("0.008"). Written as a string, never from a float. */
export type Numeric = ColumnType<string, string, string>;
/** date: "YYYY-MM-DD" (see database.ts). */
export type CalendarDate = string;

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}
/** jsonb: read parsed; written as JSON text (JSON.stringify), because pg would turn a JS array into a PostgreSQL array. */
export type Json = JSONColumnType<JsonObject | JsonValue[]>;
