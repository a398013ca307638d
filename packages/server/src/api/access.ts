import type { Kysely } from "kysely";
import { check, type CheckRequest } from "../authz/check.js";
import { requirement, type Action } from "../authz/model.js";
import type { Database } from "../storage/schema.js";
import type { Caller } from "./context.js";
import { notFound, permissionDenied } from "./errors.js";

// Every handler's authorization goes through `authorize`. The rule that keeps tenants
// from learning about each other: an object whose workspace or project the caller
// cannot even view is NotFound, exactly like an id that does not exist; only a caller
// who can see the object but lacks the role for the action gets PermissionDenied.

/** The authorization engine as the API uses it (authz/check.ts in production). */
export interface Authorizer {
  check(request: CheckRequest): Promise<boolean>;
}

export function databaseAuthorizer(db: Kysely<Database>): Authorizer {
  return { check: (request) => check(db, request) };
}

/** Where the object lives: what visibility and the action's requirement are checked on. */
export interface ObjectScope {
  workspaceId: string;
  projectId?: string;
}

export interface Authorize {
  /**
   * Throws NotFound when the caller cannot view the scope (`what` and `id` name the
   * object for the message), PermissionDenied when it can but `action` needs more.
   */
  (caller: Caller, action: Action, scope: ObjectScope, what: string, id: string): Promise<void>;
}

export function createAuthorize(authorizer: Authorizer): Authorize {
  return async (caller, action, scope, what, id) => {
    const target = { workspaceId: scope.workspaceId, projectId: scope.projectId };
    const needed = requirement(action, target);
    if (await authorizer.check({ ...needed, subject: caller.subject })) return;
    // The project inherits its workspace's viewers, so viewing either is enough to know
    // the object exists; checked only on refusal, so allowed calls cost one check.
    const visible =
      scope.projectId !== undefined
        ? { namespace: "project", object: scope.projectId, relation: "viewer" }
        : { namespace: "workspace", object: scope.workspaceId, relation: "viewer" };
    if (await authorizer.check({ ...visible, subject: caller.subject })) {
      throw permissionDenied(action);
    }
    throw notFound(what, id);
  };
}
