import { createHash } from "node:crypto";
import { z } from "zod";
import { invalidField } from "./errors.js";

// Keyset pagination: a page token is the sort key of the last row returned plus a
// digest of the filters it was made under, base64url-encoded JSON. Opaque to callers; a
// token from other filters (or made up) is InvalidArgument, never a wrong page.

const cursorSchema = z.object({ t: z.string().max(40), i: z.string().max(64), f: z.string() });

export interface Cursor {
  /** The last row's sort time, at microsecond precision (PostgreSQL's own text). */
  time: string;
  id: string;
}

export function filtersDigest(filters: unknown): string {
  return createHash("sha256").update(JSON.stringify(filters)).digest("base64url").slice(0, 16);
}

export function encodePageToken(cursor: Cursor, filters: unknown): string {
  const body = { t: cursor.time, i: cursor.id, f: filtersDigest(filters) };
  return Buffer.from(JSON.stringify(body)).toString("base64url");
}

export function decodePageToken(token: string, filters: unknown): Cursor | undefined {
  if (token === "") return undefined;
  const invalid = invalidField("page_token", "not a page token of this request's filters");
  if (token.length > 512) throw invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalid;
  }
  const result = cursorSchema.safeParse(parsed);
  if (!result.success || result.data.f !== filtersDigest(filters)) throw invalid;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(result.data.t)) throw invalid;
  if (!/^[0-9a-f-]{36}$/.test(result.data.i)) throw invalid;
  return { time: result.data.t, id: result.data.i };
}

const keysetSchema = z.object({ k: z.array(z.string().max(64)).max(4), f: z.string() });

/**
 * A page token over any sort key (a list of column values as text), for orders that are
 * not (created_at, uuid): audit ids, GitHub's numeric ids, names.
 */
export function encodeKeysetToken(key: readonly string[], filters: unknown): string {
  return Buffer.from(JSON.stringify({ k: key, f: filtersDigest(filters) })).toString("base64url");
}

/** The key of a token from encodeKeysetToken; each part must match its pattern. */
export function decodeKeysetToken(
  token: string,
  filters: unknown,
  patterns: readonly RegExp[],
): string[] | undefined {
  if (token === "") return undefined;
  const invalid = invalidField("page_token", "not a page token of this request's filters");
  if (token.length > 512) throw invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw invalid;
  }
  const result = keysetSchema.safeParse(parsed);
  if (!result.success || result.data.f !== filtersDigest(filters)) throw invalid;
  const key = result.data.k;
  if (key.length !== patterns.length) throw invalid;
  if (!key.every((part, i) => patterns[i]?.test(part) === true)) throw invalid;
  return key;
}

/** Patterns for decodeKeysetToken's parts. */
export const keyPatterns = {
  time: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
  uuid: /^[0-9a-f-]{36}$/,
  int: /^[0-9]{1,19}$/,
} as const;

/**
 * The page to return from rows read with `limit(pageSize + 1)`, and the token of the
 * next page: the extra row says there is one, and the page's last row is where it
 * starts. "" on the last page.
 */
export function nextPage<T>(
  rows: readonly T[],
  pageSize: number,
  token: (last: T) => string,
): { page: T[]; nextPageToken: string } {
  const page = rows.slice(0, pageSize);
  const last = page.at(-1);
  return { page, nextPageToken: rows.length > pageSize && last !== undefined ? token(last) : "" };
}
