import { createHash, randomBytes } from "node:crypto";
import type { Transaction } from "kysely";
import { grantRole, tokenSubject, type Role } from "../authz/index.js";
import type { Database } from "../storage/schema.js";

// API tokens: `hgr_` and 40 random URL-safe characters (240 bits). Only the SHA-256 of
// the whole token is stored; a fast hash is enough for a secret this long, and keeps the
// lookup an index probe. The prefix shown to people names the token without revealing it.

export const TOKEN_PREFIX = "hgr_";
const tokenPattern = /^hgr_[A-Za-z0-9_-]{40}$/;

export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(30).toString("base64url")}`;
}

/** True when the text has the shape of a Hangar token (it may still be unknown). */
export function looksLikeToken(text: string): boolean {
  return tokenPattern.test(text);
}

export function hashToken(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

/** What people see of a token: enough to tell tokens apart, nothing to authenticate with. */
export function displayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 8);
}

export interface NewToken {
  workspaceId: string;
  name: string;
  role: Role;
  createdBy?: string | null;
  expiresAt?: Date | null;
}

/**
 * Creates a token and grants its role in the same transaction: a token row without its
 * tuple could authenticate but do nothing, and a tuple without its row would be a grant
 * nobody can use. Returns the secret, which is never readable again.
 */
export async function createApiToken(
  trx: Transaction<Database>,
  input: NewToken,
): Promise<{ id: string; token: string }> {
  const token = generateToken();
  const row = await trx
    .insertInto("api_tokens")
    .values({
      workspace_id: input.workspaceId,
      name: input.name,
      prefix: displayPrefix(token),
      secret_hash: hashToken(token),
      role: input.role,
      created_by: input.createdBy ?? null,
      expires_at: input.expiresAt ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await grantRole(trx, {
    namespace: "workspace",
    object: input.workspaceId,
    role: input.role,
    subject: tokenSubject(row.id),
  });
  return { id: row.id, token };
}
