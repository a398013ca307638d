import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import {
  CreateRegistryCredentialResponseSchema,
  DeleteRegistryCredentialResponseSchema,
  ListRegistryCredentialsResponseSchema,
  RegistryCredentialSchema,
  RotateRegistryCredentialResponseSchema,
  type CreateRegistryCredentialRequest,
  type DeleteRegistryCredentialRequest,
  type ListRegistryCredentialsRequest,
  type RotateRegistryCredentialRequest,
} from "@hangar/api/registry_credential_service_pb.js";
import { sql, type Kysely, type Transaction } from "kysely";
import type { SecretCipher } from "../../crypto/envelope.js";
import {
  RegistryCredentialFormatError,
  sealRegistryCredential,
  type RegistryCredentialSecret,
} from "../../crypto/registry-credentials.js";
import type { Database } from "../../storage/schema.js";
import { writeAudit } from "../audit.js";
import { callerOf, requestInfo } from "../context.js";
import { failedPrecondition, invalidField, notFound } from "../errors.js";
import { decodeKeysetToken, encodeKeysetToken, keyPatterns, nextPage } from "../pagination.js";
import type { ServiceDeps } from "../service-deps.js";
import { parseRequest } from "../validation.js";
import {
  createCredentialRequest,
  credentialIdRequest,
  listCredentialsRequest,
  rotateCredentialRequest,
  secretFields,
  toSecret,
} from "./requests.js";

// Registry credentials. The secret goes in, sealed to its row with the key ring
// (crypto/), and never comes out: not in answers, logs or audit records, which see the
// columns below only.

/** Every column but the ciphertext and its key id. */
const publicColumns = [
  "id",
  "workspace_id",
  "name",
  "kind",
  "registry_host",
  "created_at",
  "updated_at",
  "deleted_at",
] as const;

type Queryable = Kysely<Database> | Transaction<Database>;

function findCredential(db: Queryable, id: string, options: { forUpdate?: boolean } = {}) {
  let query = db
    .selectFrom("registry_credentials")
    .select(publicColumns)
    .where("id", "=", id)
    .where("deleted_at", "is", null);
  if (options.forUpdate === true) query = query.forUpdate();
  return query.executeTakeFirst();
}

type CredentialRow = NonNullable<Awaited<ReturnType<typeof findCredential>>>;

function toCredential(row: CredentialRow) {
  return create(RegistryCredentialSchema, {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    kind: row.kind,
    registryHost: row.registry_host,
    createTime: timestampFromDate(row.created_at),
    updateTime: timestampFromDate(row.updated_at),
  });
}

function seal(
  secrets: SecretCipher | undefined,
  ids: { workspaceId: string; credentialId: string },
  secret: RegistryCredentialSecret,
) {
  if (secrets === undefined) {
    throw failedPrecondition("this API process has no encryption key for registry credentials");
  }
  try {
    return sealRegistryCredential(secrets, ids, secret);
  } catch (error) {
    // Its message names fields and rules, never values.
    if (error instanceof RegistryCredentialFormatError) {
      throw invalidField(secret.kind, error.message);
    }
    throw error;
  }
}

export function createCredentialHandlers(deps: ServiceDeps) {
  const { db, authorize } = deps;

  return {
    async createRegistryCredential(
      request: CreateRegistryCredentialRequest,
      context: HandlerContext,
    ) {
      const input = parseRequest(createCredentialRequest, {
        ...request,
        ...secretFields(request.secret),
      });
      const caller = callerOf(context);
      await authorize(caller, "credential.write", input, "workspace", input.workspaceId);
      const { requestId } = requestInfo(context);
      const id = randomUUID();
      const sealed = seal(
        deps.secrets,
        { workspaceId: input.workspaceId, credentialId: id },
        toSecret(input),
      );
      const row = await db.transaction().execute(async (trx) => {
        const workspace = await trx
          .selectFrom("workspaces")
          .select("id")
          .where("id", "=", input.workspaceId)
          .where("deleted_at", "is", null)
          .executeTakeFirst();
        if (workspace === undefined) throw notFound("workspace", input.workspaceId);
        const taken = await trx
          .selectFrom("registry_credentials")
          .select("id")
          .where("workspace_id", "=", input.workspaceId)
          .where("name", "=", input.name)
          .where("deleted_at", "is", null)
          .executeTakeFirst();
        if (taken !== undefined) {
          throw new ConnectError(
            `a registry credential named ${JSON.stringify(input.name)} exists in the workspace`,
            Code.AlreadyExists,
          );
        }
        const inserted = await trx
          .insertInto("registry_credentials")
          .values({
            id,
            workspace_id: input.workspaceId,
            name: input.name,
            kind: toSecret(input).kind,
            registry_host: input.registryHost,
            ...sealed,
          })
          .returning(publicColumns)
          .executeTakeFirstOrThrow();
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: input.workspaceId,
          objectType: "registry_credential",
          objectId: id,
          action: "credential.create",
          before: null,
          after: inserted,
          requestId,
        });
        return inserted;
      });
      return create(CreateRegistryCredentialResponseSchema, { credential: toCredential(row) });
    },

    async listRegistryCredentials(
      request: ListRegistryCredentialsRequest,
      context: HandlerContext,
    ) {
      const input = parseRequest(listCredentialsRequest, request);
      await authorize(callerOf(context), "workspace.read", input, "workspace", input.workspaceId);
      const filters = ["credentials", input.workspaceId];
      const cursor = decodeKeysetToken(input.pageToken, filters, [
        keyPatterns.time,
        keyPatterns.uuid,
      ]);
      let query = db
        .selectFrom("registry_credentials")
        .select(publicColumns)
        .select(
          sql<string>`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
            "cursor_time",
          ),
        )
        .where("workspace_id", "=", input.workspaceId)
        .where("deleted_at", "is", null);
      if (cursor !== undefined) {
        query = query.where(
          sql<boolean>`(created_at, id) < (${cursor[0]}::timestamptz, ${cursor[1]}::uuid)`,
        );
      }
      const rows = await query
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .limit(input.pageSize + 1)
        .execute();
      const { page, nextPageToken } = nextPage(rows, input.pageSize, (last) =>
        encodeKeysetToken([last.cursor_time, last.id], filters),
      );
      return create(ListRegistryCredentialsResponseSchema, {
        credentials: page.map(toCredential),
        nextPageToken,
      });
    },

    async rotateRegistryCredential(
      request: RotateRegistryCredentialRequest,
      context: HandlerContext,
    ) {
      const input = parseRequest(rotateCredentialRequest, {
        ...request,
        ...secretFields(request.secret),
      });
      const caller = callerOf(context);
      const current = await findCredential(db, input.id);
      if (current === undefined) throw notFound("registry credential", input.id);
      await authorize(
        caller,
        "credential.write",
        { workspaceId: current.workspace_id },
        "registry credential",
        input.id,
      );
      const secret = toSecret(input);
      if (secret.kind !== current.kind) {
        throw invalidField("secret", `must be a ${current.kind} secret, the credential's kind`);
      }
      const sealed = seal(
        deps.secrets,
        { workspaceId: current.workspace_id, credentialId: current.id },
        secret,
      );
      const { requestId } = requestInfo(context);
      const row = await db.transaction().execute(async (trx) => {
        const before = await findCredential(trx, input.id, { forUpdate: true });
        if (before === undefined) throw notFound("registry credential", input.id);
        const after = await trx
          .updateTable("registry_credentials")
          .set(sealed)
          .where("id", "=", input.id)
          .returning(publicColumns)
          .executeTakeFirstOrThrow();
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: after.workspace_id,
          objectType: "registry_credential",
          objectId: input.id,
          action: "credential.rotate",
          before,
          after,
          requestId,
        });
        return after;
      });
      return create(RotateRegistryCredentialResponseSchema, { credential: toCredential(row) });
    },

    async deleteRegistryCredential(
      request: DeleteRegistryCredentialRequest,
      context: HandlerContext,
    ) {
      const { id } = parseRequest(credentialIdRequest, request);
      const caller = callerOf(context);
      const current = await findCredential(db, id);
      if (current === undefined) throw notFound("registry credential", id);
      await authorize(
        caller,
        "credential.write",
        { workspaceId: current.workspace_id },
        "registry credential",
        id,
      );
      const { requestId } = requestInfo(context);
      await db.transaction().execute(async (trx) => {
        const before = await findCredential(trx, id, { forUpdate: true });
        if (before === undefined) throw notFound("registry credential", id);
        // Runner rows lock the credential's row (FOR KEY SHARE) when they reference it,
        // so a runner created meanwhile waits for this check's outcome.
        const users = await trx
          .selectFrom("runners")
          .select("name")
          .where("registry_credential_id", "=", id)
          .where("deleted_at", "is", null)
          .limit(5)
          .execute();
        if (users.length > 0) {
          throw failedPrecondition(
            `runners use the credential (${users.map((user) => user.name).join(", ")}); change or delete them first`,
          );
        }
        const after = await trx
          .updateTable("registry_credentials")
          .set({ deleted_at: new Date() })
          .where("id", "=", id)
          .returning(publicColumns)
          .executeTakeFirstOrThrow();
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: after.workspace_id,
          objectType: "registry_credential",
          objectId: id,
          action: "credential.delete",
          before,
          after,
          requestId,
        });
      });
      return create(DeleteRegistryCredentialResponseSchema, {});
    },
  };
}
