import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import {
  AddMemberResponseSchema,
  ListMembersResponseSchema,
  RemoveMemberResponseSchema,
  UpdateMemberRoleResponseSchema,
  type AddMemberRequest,
  type ListMembersRequest,
  type RemoveMemberRequest,
  type UpdateMemberRoleRequest,
} from "@hangar/api/workspace_service_pb.js";
import { sql, type Transaction } from "kysely";
import { grantRole, revokeWorkspaceAccess, userSubject, type Role } from "../../authz/index.js";
import type { Database } from "../../storage/schema.js";
import { writeAudit } from "../audit.js";
import { callerOf, requestInfo, type Caller } from "../context.js";
import { failedPrecondition, notFound } from "../errors.js";
import { decodeKeysetToken, encodeKeysetToken, keyPatterns, nextPage } from "../pagination.js";
import type { ServiceDeps } from "../service-deps.js";
import { parseRequest } from "../validation.js";
import {
  addMemberRequest,
  removeMemberRequest,
  updateMemberRoleRequest,
  workspacePageRequest,
} from "./requests.js";
import { findMember, findWorkspace, toMember } from "./rows.js";

// Members are people (users) with a role in a workspace. The members row is what people
// see; the relation tuple written with it in the same transaction is what authorizes.
// Two rules beyond the permission table: only owners grant or take away "owner", and the
// last owner can be neither demoted nor removed.

type Trx = Transaction<Database>;

/** Refuses a change that would leave the workspace's owners without the member. */
async function keepAnOwner(trx: Trx, workspaceId: string, userId: string): Promise<void> {
  // Locks the owners' rows, so two concurrent demotions cannot each see the other owner.
  const owners = await trx
    .selectFrom("members")
    .select("user_id")
    .where("workspace_id", "=", workspaceId)
    .where("role", "=", "owner")
    .forUpdate()
    .execute();
  if (owners.every((owner) => owner.user_id === userId)) {
    throw failedPrecondition("a workspace keeps at least one owner; make another owner first");
  }
}

export function createMemberHandlers(deps: ServiceDeps) {
  const { db, authorize } = deps;

  /** member.write, and owner.write as well when "owner" is given or taken away. */
  const authorizeChange = async (caller: Caller, workspaceId: string, touchesOwner: boolean) => {
    await authorize(caller, "member.write", { workspaceId }, "workspace", workspaceId);
    if (touchesOwner) {
      await authorize(caller, "owner.write", { workspaceId }, "workspace", workspaceId);
    }
  };

  return {
    async listMembers(request: ListMembersRequest, context: HandlerContext) {
      const input = parseRequest(workspacePageRequest, request);
      await authorize(callerOf(context), "member.read", input, "workspace", input.workspaceId);
      const filters = ["members", input.workspaceId];
      const cursor = decodeKeysetToken(input.pageToken, filters, [
        keyPatterns.time,
        keyPatterns.uuid,
      ]);
      let query = db
        .selectFrom("members as m")
        .innerJoin("users as u", "u.id", "m.user_id")
        .select(["m.workspace_id", "m.user_id", "m.role", "m.created_at"])
        .select(["u.email", "u.display_name"])
        .select(
          sql<string>`to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
            "cursor_time",
          ),
        )
        .where("m.workspace_id", "=", input.workspaceId);
      if (cursor !== undefined) {
        query = query.where(
          sql<boolean>`(m.created_at, m.user_id) > (${cursor[0]}::timestamptz, ${cursor[1]}::uuid)`,
        );
      }
      const rows = await query
        .orderBy("m.created_at")
        .orderBy("m.user_id")
        .limit(input.pageSize + 1)
        .execute();
      const { page, nextPageToken } = nextPage(rows, input.pageSize, (last) =>
        encodeKeysetToken([last.cursor_time, last.user_id], filters),
      );
      return create(ListMembersResponseSchema, {
        members: page.map(toMember),
        nextPageToken,
      });
    },

    async addMember(request: AddMemberRequest, context: HandlerContext) {
      const input = parseRequest(addMemberRequest, request);
      const caller = callerOf(context);
      await authorizeChange(caller, input.workspaceId, input.role === "owner");
      const { requestId } = requestInfo(context);
      const member = await db.transaction().execute(async (trx) => {
        if ((await findWorkspace(trx, input.workspaceId)) === undefined) {
          throw notFound("workspace", input.workspaceId);
        }
        // Whoever holds the address later signs in as this user.
        await trx
          .insertInto("users")
          .values({ email: input.email })
          .onConflict((conflict) => conflict.expression(sql`lower(email)`).doNothing())
          .execute();
        const user = await trx
          .selectFrom("users")
          .select("id")
          .where(sql<string>`lower(email)`, "=", input.email)
          .executeTakeFirstOrThrow();
        const inserted = await trx
          .insertInto("members")
          .values({ workspace_id: input.workspaceId, user_id: user.id, role: input.role })
          .onConflict((conflict) => conflict.columns(["workspace_id", "user_id"]).doNothing())
          .returning("user_id")
          .executeTakeFirst();
        if (inserted === undefined) {
          throw new ConnectError(
            "that person is already a member; change their role instead",
            Code.AlreadyExists,
          );
        }
        await grantRole(trx, {
          namespace: "workspace",
          object: input.workspaceId,
          role: input.role,
          subject: userSubject(user.id),
        });
        const after = await findMember(trx, input.workspaceId, user.id);
        if (after === undefined) throw new Error("member vanished in its own transaction");
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: input.workspaceId,
          objectType: "member",
          objectId: user.id,
          action: "member.add",
          before: null,
          after,
          requestId,
        });
        return after;
      });
      return create(AddMemberResponseSchema, { member: toMember(member) });
    },

    async updateMemberRole(request: UpdateMemberRoleRequest, context: HandlerContext) {
      const input = parseRequest(updateMemberRoleRequest, request);
      const caller = callerOf(context);
      await authorize(caller, "member.read", input, "workspace", input.workspaceId);
      const current = await findMember(db, input.workspaceId, input.userId);
      if (current === undefined) throw notFound("member", input.userId);
      await authorizeChange(
        caller,
        input.workspaceId,
        current.role === "owner" || input.role === "owner",
      );
      const { requestId } = requestInfo(context);
      const member = await db.transaction().execute(async (trx) => {
        const before = await findMember(trx, input.workspaceId, input.userId);
        if (before === undefined) throw notFound("member", input.userId);
        if (before.role === input.role) return before;
        if (before.role === "owner") await keepAnOwner(trx, input.workspaceId, input.userId);
        await trx
          .updateTable("members")
          .set({ role: input.role })
          .where("workspace_id", "=", input.workspaceId)
          .where("user_id", "=", input.userId)
          .execute();
        await grantRole(trx, {
          namespace: "workspace",
          object: input.workspaceId,
          role: input.role satisfies Role,
          subject: userSubject(input.userId),
        });
        const after = await findMember(trx, input.workspaceId, input.userId);
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: input.workspaceId,
          objectType: "member",
          objectId: input.userId,
          action: "member.update_role",
          before,
          after,
          requestId,
        });
        return after ?? before;
      });
      return create(UpdateMemberRoleResponseSchema, { member: toMember(member) });
    },

    async removeMember(request: RemoveMemberRequest, context: HandlerContext) {
      const input = parseRequest(removeMemberRequest, request);
      const caller = callerOf(context);
      await authorize(caller, "member.read", input, "workspace", input.workspaceId);
      const current = await findMember(db, input.workspaceId, input.userId);
      if (current === undefined) throw notFound("member", input.userId);
      await authorizeChange(caller, input.workspaceId, current.role === "owner");
      const { requestId } = requestInfo(context);
      await db.transaction().execute(async (trx) => {
        const before = await findMember(trx, input.workspaceId, input.userId);
        if (before === undefined) throw notFound("member", input.userId);
        if (before.role === "owner") await keepAnOwner(trx, input.workspaceId, input.userId);
        await trx
          .deleteFrom("members")
          .where("workspace_id", "=", input.workspaceId)
          .where("user_id", "=", input.userId)
          .execute();
        await revokeWorkspaceAccess(trx, input.workspaceId, userSubject(input.userId));
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: input.workspaceId,
          objectType: "member",
          objectId: input.userId,
          action: "member.remove",
          before,
          after: null,
          requestId,
        });
      });
      return create(RemoveMemberResponseSchema, {});
    },
  };
}
