import type { Kysely } from "kysely";
import { listObjects, PLATFORM_ADMIN, PLATFORM_OBJECT, roles, type Role } from "../authz/index.js";
import type { Database } from "../storage/schema.js";
import type { Authorizer } from "./access.js";
import type { Caller } from "./context.js";
import { permissionDenied } from "./errors.js";

// Questions about the caller's own standing that the permission table cannot answer by
// itself: which role it holds (a token or grant never exceeds it), and whether it
// operates the platform.

/** Weakest first, so a role's index says whether it includes another. */
const strength: readonly Role[] = ["viewer", "member", "admin", "owner"];

export function includes(held: Role, wanted: Role): boolean {
  return strength.indexOf(held) >= strength.indexOf(wanted);
}

/** The strongest role the caller reaches on the workspace, directly or through sets. */
export async function roleIn(
  authorizer: Authorizer,
  caller: Caller,
  workspaceId: string,
): Promise<Role | undefined> {
  for (const role of roles) {
    const held = await authorizer.check({
      namespace: "workspace",
      object: workspaceId,
      relation: role,
      subject: caller.subject,
    });
    if (held) return role;
  }
  return undefined;
}

/**
 * The strongest role the caller holds in each workspace it reaches: one query per role
 * (four), where asking per workspace would take up to four per row of a page.
 */
export async function rolesByWorkspace(
  db: Kysely<Database>,
  caller: Caller,
): Promise<Map<string, Role>> {
  const reached = await Promise.all(
    roles.map((role) =>
      listObjects(db, { namespace: "workspace", relation: role, subject: caller.subject }),
    ),
  );
  const strongest = new Map<string, Role>();
  // `roles` runs strongest first, so a workspace keeps the first role that reaches it.
  roles.forEach((role, index) => {
    for (const id of reached[index] ?? []) if (!strongest.has(id)) strongest.set(id, role);
  });
  return strongest;
}

export function isPlatformAdmin(authorizer: Authorizer, caller: Caller): Promise<boolean> {
  return authorizer.check({
    namespace: "platform",
    object: PLATFORM_OBJECT,
    relation: PLATFORM_ADMIN,
    subject: caller.subject,
  });
}

/**
 * Platform-wide actions (the offering catalog, new workspaces). Everyone signed in
 * knows the platform exists, so a refusal is PermissionDenied, never NotFound.
 */
export async function requirePlatformAdmin(
  authorizer: Authorizer,
  caller: Caller,
  action: string,
): Promise<void> {
  if (!(await isPlatformAdmin(authorizer, caller))) throw permissionDenied(action);
}
