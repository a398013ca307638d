import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ApiTokenSchema,
  AuditEventSchema,
  MemberSchema,
  ProjectSchema,
  WorkspaceSchema,
  type ApiToken,
  type AuditEvent,
  type Member,
  type Project,
  type Workspace,
} from "@hangar/api/workspace_service_pb.js";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { Database } from "../../storage/schema.js";
import type { ProjectsTable, WorkspacesTable } from "../../storage/schema/tenancy.js";

// Workspaces, projects, members, tokens and audit events as the API reads them, and
// their protobuf form. Token rows never carry their hash out of this file.

type Queryable = Kysely<Database> | Transaction<Database>;

export type WorkspaceRow = Selectable<WorkspacesTable>;
export type ProjectRow = Selectable<ProjectsTable>;

export function findWorkspace(db: Queryable, id: string, options: { forUpdate?: boolean } = {}) {
  let query = db
    .selectFrom("workspaces")
    .selectAll()
    .where("id", "=", id)
    .where("deleted_at", "is", null);
  if (options.forUpdate === true) query = query.forUpdate();
  return query.executeTakeFirst();
}

export function findProject(db: Queryable, id: string, options: { forUpdate?: boolean } = {}) {
  let query = db
    .selectFrom("projects")
    .selectAll()
    .where("id", "=", id)
    .where("deleted_at", "is", null);
  if (options.forUpdate === true) query = query.forUpdate();
  return query.executeTakeFirst();
}

export function toWorkspace(row: WorkspaceRow, callerRole: string): Workspace {
  return create(WorkspaceSchema, {
    id: row.id,
    slug: row.slug,
    name: row.name,
    namespace: row.namespace,
    plan: row.plan,
    maxCpuMillis: row.max_cpu_millis,
    maxMemoryMib: row.max_memory_mib,
    maxGpus: row.max_gpus,
    maxRunners: row.max_runners,
    createTime: timestampFromDate(row.created_at),
    updateTime: timestampFromDate(row.updated_at),
    callerRole,
  });
}

export function toProject(row: ProjectRow): Project {
  return create(ProjectSchema, {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    isDefault: row.is_default,
    createTime: timestampFromDate(row.created_at),
    updateTime: timestampFromDate(row.updated_at),
  });
}

export interface MemberRow {
  workspace_id: string;
  user_id: string;
  role: string;
  created_at: Date;
  email: string | null;
  display_name: string | null;
}

export function findMember(db: Queryable, workspaceId: string, userId: string) {
  return db
    .selectFrom("members as m")
    .innerJoin("users as u", "u.id", "m.user_id")
    .select(["m.workspace_id", "m.user_id", "m.role", "m.created_at", "u.email", "u.display_name"])
    .where("m.workspace_id", "=", workspaceId)
    .where("m.user_id", "=", userId)
    .executeTakeFirst();
}

export function toMember(row: MemberRow): Member {
  return create(MemberSchema, {
    workspaceId: row.workspace_id,
    userId: row.user_id,
    email: row.email ?? "",
    displayName: row.display_name ?? "",
    role: row.role,
    createTime: timestampFromDate(row.created_at),
  });
}

/** A token's columns that may leave the database: never secret_hash. */
export const tokenColumns = [
  "t.id",
  "t.workspace_id",
  "t.name",
  "t.prefix",
  "t.role",
  "t.created_by",
  "t.created_at",
  "t.expires_at",
  "t.revoked_at",
  "t.last_used_at",
] as const;

export interface TokenRow {
  id: string;
  workspace_id: string;
  name: string;
  prefix: string;
  role: string;
  created_by: string | null;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  /** Who created it, from its creation's audit record when no user is recorded. */
  creator: string | null;
}

/** Tokens with their creator: a user (created_by) or the actor of token.create. */
export function tokensQuery(db: Queryable) {
  return db
    .selectFrom("api_tokens as t")
    .select(tokenColumns)
    .select((eb) =>
      eb
        .selectFrom("audit_log as a")
        .select("a.actor")
        .whereRef("a.object_id", "=", eb.cast("t.id", "text"))
        .where("a.object_type", "=", "api_token")
        .where("a.action", "=", "token.create")
        .limit(1)
        .as("creator"),
    );
}

export function toApiToken(row: TokenRow): ApiToken {
  const createdBy = row.created_by !== null ? `user:${row.created_by}` : (row.creator ?? "");
  return create(ApiTokenSchema, {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    createTime: timestampFromDate(row.created_at),
    ...(row.expires_at ? { expireTime: timestampFromDate(row.expires_at) } : {}),
    ...(row.revoked_at ? { revokeTime: timestampFromDate(row.revoked_at) } : {}),
    ...(row.last_used_at ? { lastUseTime: timestampFromDate(row.last_used_at) } : {}),
    createdBy,
  });
}

/** What an audit record says of a token: never its hash. */
export function auditedToken(row: Omit<TokenRow, "creator">) {
  return {
    id: row.id,
    workspace_id: row.workspace_id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    expires_at: row.expires_at,
    revoked_at: row.revoked_at,
  };
}

export interface AuditRow {
  id: bigint;
  at: Date;
  actor: string;
  workspace_id: string | null;
  object_type: string;
  object_id: string;
  action: string;
  before: unknown;
  after: unknown;
  request_id: string | null;
}

export function toAuditEvent(row: AuditRow): AuditEvent {
  return create(AuditEventSchema, {
    id: row.id,
    time: timestampFromDate(row.at),
    actor: row.actor,
    workspaceId: row.workspace_id ?? "",
    objectType: row.object_type,
    objectId: row.object_id,
    action: row.action,
    beforeJson: row.before === null ? "" : JSON.stringify(row.before),
    afterJson: row.after === null ? "" : JSON.stringify(row.after),
    requestId: row.request_id ?? "",
  });
}
