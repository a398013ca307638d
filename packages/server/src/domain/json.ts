/** A value that survives JSON.stringify → JSON.parse unchanged (no bigint, no undefined). */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
