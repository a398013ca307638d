import type { Kysely } from "kysely";
import {
  grantRole,
  PLATFORM_ADMIN,
  PLATFORM_OBJECT,
  revokeAll,
  tokenSubject,
  writeProjectTuples,
  writeWorkspaceTuples,
} from "../authz/index.js";
import { writeAudit } from "../api/audit.js";
import { createApiToken } from "../api/tokens.js";
import type { Database } from "../storage/schema.js";
import { demoWorkspace } from "./demo-tenant.js";

// The demo workspace's API token for `npm start`. Only its hash is stored, so a token
// printed by an earlier start cannot be shown again: each start revokes the previous
// demo token and prints a new one, keeping exactly one live. The workspace's and its
// projects' role tuples are written too (idempotently), since the demo tenant is
// inserted directly rather than through the API that would write them. The demo token is
// also the platform's administrator (platform:hangar#admin), so the demo can try
// CreateWorkspace and the offering catalog's writes; revoking it takes that away too.

export const DEMO_TOKEN_NAME = "npm start demo (owner)";

export interface DemoToken {
  token: string;
  workspaceId: string;
}

export async function renewDemoToken(db: Kysely<Database>): Promise<DemoToken | undefined> {
  return db.transaction().execute(async (trx) => {
    const workspace = await trx
      .selectFrom("workspaces")
      .select("id")
      .where("slug", "=", demoWorkspace.slug)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    if (workspace === undefined) return undefined;
    await writeWorkspaceTuples(trx, workspace.id);
    const projects = await trx
      .selectFrom("projects")
      .select("id")
      .where("workspace_id", "=", workspace.id)
      .where("deleted_at", "is", null)
      .execute();
    for (const project of projects) await writeProjectTuples(trx, workspace.id, project.id);
    const revoked = await trx
      .updateTable("api_tokens")
      .set({ revoked_at: new Date() })
      .where("workspace_id", "=", workspace.id)
      .where("name", "=", DEMO_TOKEN_NAME)
      .where("revoked_at", "is", null)
      .returning("id")
      .execute();
    const created = await createApiToken(trx, {
      workspaceId: workspace.id,
      name: DEMO_TOKEN_NAME,
      role: "owner",
    });
    await grantRole(trx, {
      namespace: "platform",
      object: PLATFORM_OBJECT,
      role: PLATFORM_ADMIN,
      subject: tokenSubject(created.id),
    });
    const demo = { name: DEMO_TOKEN_NAME, role: "owner", platform_admin: true };
    for (const { id } of revoked) {
      await revokeAll(trx, tokenSubject(id));
      await writeAudit(trx, {
        actor: "system:dev",
        workspaceId: workspace.id,
        objectType: "api_token",
        objectId: id,
        action: "token.revoke",
        before: demo,
        after: { ...demo, revoked: true },
        requestId: null,
      });
    }
    await writeAudit(trx, {
      actor: "system:dev",
      workspaceId: workspace.id,
      objectType: "api_token",
      objectId: created.id,
      action: "token.create",
      before: null,
      after: demo,
      requestId: null,
    });
    return { token: created.token, workspaceId: workspace.id };
  });
}
