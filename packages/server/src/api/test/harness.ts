import { createClient, type Client as ConnectClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { RunnerService } from "@hangar/api/runner_service_pb.js";
import type { Client } from "@temporalio/client";
import type { Kysely } from "kysely";
import { randomBytes } from "node:crypto";
import {
  grantRole,
  PLATFORM_ADMIN,
  PLATFORM_OBJECT,
  roles,
  tokenSubject,
  writeProjectTuples,
  writeWorkspaceTuples,
  type Role,
} from "../../authz/index.js";
import { createSecretCipher, type SecretCipher } from "../../crypto/envelope.js";
import { createKeyRing } from "../../crypto/key-ring.js";
import { startApiServer, type RunningApi } from "../start-api.js";
import { createLogger } from "../../observability/logger.js";
import type { Database } from "../../storage/schema.js";
import { createTenant, type Tenant } from "../../storage/test-fixtures.js";
import { createApiToken, hashToken } from "../tokens.js";

// A real API server on a free port over a test database, with two tenants and a token
// of every role in the first, one owner token in the second, and an expired and a
// revoked owner token in the first; and a platform administrator, whose token belongs to
// a third workspace and holds no role in the other two.

export interface TokenSet {
  roles: Record<Role, string>;
  otherWorkspace: string;
  expired: string;
  revoked: string;
  platformAdmin: string;
}

export interface ApiHarness {
  api: RunningApi;
  tenant: Tenant;
  other: Tenant;
  tokens: TokenSet;
  /** The ids of the tokens of each role in the first workspace, and of the second's. */
  tokenIds: { roles: Record<Role, string>; otherWorkspace: string };
  /** The cipher the server seals registry credentials with. */
  secrets: SecretCipher;
  db: Kysely<Database>;
  /** Connect clients over HTTP/1.1 and HTTP/2 (h2c). */
  transports: { http1: Transport; http2: Transport };
  client(version?: "1.1" | "2"): ConnectClient<typeof RunnerService>;
  stop(): Promise<void>;
}

export async function workspaceWithTuples(db: Kysely<Database>): Promise<Tenant> {
  const tenant = await createTenant(db);
  await db.transaction().execute(async (trx) => {
    await writeWorkspaceTuples(trx, tenant.workspaceId);
    await writeProjectTuples(trx, tenant.workspaceId, tenant.projectId);
  });
  return tenant;
}

export async function tokenFor(
  db: Kysely<Database>,
  workspaceId: string,
  role: Role,
  options: { expiresAt?: Date; revoked?: boolean } = {},
): Promise<string> {
  const { id, token } = await db.transaction().execute((trx) =>
    createApiToken(trx, {
      workspaceId,
      name: `test ${role}`,
      role,
      expiresAt: options.expiresAt ?? null,
    }),
  );
  if (options.revoked === true) {
    await db
      .updateTable("api_tokens")
      .set({ revoked_at: new Date() })
      .where("id", "=", id)
      .execute();
  }
  return token;
}

export async function tokenId(db: Kysely<Database>, token: string): Promise<string> {
  const row = await db
    .selectFrom("api_tokens")
    .select("id")
    .where("secret_hash", "=", hashToken(token))
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function startHarness(input: {
  db: Kysely<Database>;
  temporal: { client: Client; taskQueue: string };
  rateLimit?: { perSecond: number; burst: number };
  maxBodyBytes?: number;
}): Promise<ApiHarness> {
  const { db } = input;
  const tenant = await workspaceWithTuples(db);
  const other = await workspaceWithTuples(db);
  const byRole = {} as Record<Role, string>;
  for (const role of roles) byRole[role] = await tokenFor(db, tenant.workspaceId, role);
  // A token created an hour ago that expired a minute ago (expires_at must follow created_at).
  const expired = await tokenFor(db, tenant.workspaceId, "owner", {
    expiresAt: new Date(Date.now() + 60 * 60_000),
  });
  await db
    .updateTable("api_tokens")
    .set({
      created_at: new Date(Date.now() - 60 * 60_000),
      expires_at: new Date(Date.now() - 60_000),
    })
    .where("name", "=", "test owner")
    .where("expires_at", "is not", null)
    .execute();
  const tokens: TokenSet = {
    roles: byRole,
    otherWorkspace: await tokenFor(db, other.workspaceId, "owner"),
    expired,
    revoked: await tokenFor(db, tenant.workspaceId, "owner", { revoked: true }),
    platformAdmin: await tokenFor(db, (await workspaceWithTuples(db)).workspaceId, "viewer"),
  };
  const adminId = await tokenId(db, tokens.platformAdmin);
  await db.transaction().execute((trx) =>
    grantRole(trx, {
      namespace: "platform",
      object: PLATFORM_OBJECT,
      role: PLATFORM_ADMIN,
      subject: tokenSubject(adminId),
    }),
  );
  const tokenIds = {
    roles: {} as Record<Role, string>,
    otherWorkspace: await tokenId(db, tokens.otherWorkspace),
  };
  for (const role of roles) tokenIds.roles[role] = await tokenId(db, byRole[role]);
  const secrets = createSecretCipher(
    createKeyRing({ id: "api-test", key: randomBytes(32).toString("base64") }),
  );
  const api = await startApiServer({
    db,
    temporalClient: input.temporal.client,
    taskQueue: input.temporal.taskQueue,
    logger: createLogger({ level: "silent" }),
    host: "127.0.0.1",
    port: 0,
    maxBodyBytes: input.maxBodyBytes ?? 1024 * 1024,
    rateLimit: input.rateLimit ?? { perSecond: 10_000, burst: 10_000 },
    secrets,
  });
  const transports = {
    http1: createConnectTransport({ baseUrl: api.url, httpVersion: "1.1" }),
    http2: createConnectTransport({ baseUrl: api.url, httpVersion: "2" }),
  };
  return {
    api,
    tenant,
    other,
    tokens,
    tokenIds,
    secrets,
    db,
    transports,
    client: (version = "1.1") =>
      createClient(RunnerService, version === "2" ? transports.http2 : transports.http1),
    stop: () => api.stop(),
  };
}

export function bearer(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
}
