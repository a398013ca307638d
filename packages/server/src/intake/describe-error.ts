/**
 * Name, code and message only. PostgreSQL errors carry `detail` and `where` fields that
 * can quote the JSON being stored, and the raw body must never reach the log.
 */
export function describeError(error: unknown): { name: string; code?: string; message: string } {
  if (!(error instanceof Error)) return { name: "unknown", message: String(error) };
  const code = "code" in error && typeof error.code === "string" ? error.code : undefined;
  return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }) };
}
