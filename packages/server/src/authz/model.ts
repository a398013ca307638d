import type { RelationRef, RelationTuple, SubjectId } from "./tuples.js";

// The authorization model, fixed in code. Everything it implies is written as relation
// tuples, so one engine (check.ts) answers every question and `expand` shows why:
//
//   platform:hangar#admin                  operators of the offering catalog
//   workspace:W#{owner,admin,member,viewer}
//   project:P#{owner,admin,member,viewer}
//
// Roles are nested, each containing the next: owner ⊇ admin ⊇ member ⊇ viewer. On a
// workspace that is three subject-set tuples (workspaceTuples):
//
//   workspace:W#admin@workspace:W#owner
//   workspace:W#member@workspace:W#admin
//   workspace:W#viewer@workspace:W#member
//
// A project has the same chain, and each of its roles also includes the same role on its
// workspace (projectTuples), so a workspace admin is an admin of every project in it while
// a grant made on one project reaches that project only:
//
//   project:P#admin@project:P#owner        project:P#admin@workspace:W#admin
//   project:P#member@project:P#admin       project:P#member@workspace:W#member
//   project:P#viewer@project:P#member      project:P#viewer@workspace:W#viewer
//   project:P#owner@workspace:W#owner
//
// People and tokens hold one role per object (grantRole in write.ts): subjects are
// `user:<uuid>` and `token:<uuid>`. Platform admins get nothing inside workspaces from
// that role: tenants stay isolated from operators unless granted a role like anyone else.

export const roles = ["owner", "admin", "member", "viewer"] as const;
export type Role = (typeof roles)[number];

export const PLATFORM_OBJECT = "hangar";
export const PLATFORM_ADMIN = "admin";

export type Namespace = "platform" | "workspace" | "project";
export const subjectNamespaces = ["user", "token"] as const;
export type SubjectNamespace = (typeof subjectNamespaces)[number];

/** The relations each namespace has; a grant or check naming another is a mistake. */
export const relationsOf: Record<Namespace, readonly string[]> = {
  platform: [PLATFORM_ADMIN],
  workspace: roles,
  project: roles,
};

export function userSubject(userId: string): SubjectId {
  return `user:${userId}`;
}

export function tokenSubject(tokenId: string): SubjectId {
  return `token:${tokenId}`;
}

/** Each role contains the next one down (owner → admin → member → viewer). */
function roleChain(namespace: "workspace" | "project", object: string): RelationTuple[] {
  return roles.slice(1).map((relation, i) => ({
    namespace,
    object,
    relation,
    subject: { namespace, object, relation: roles[i] ?? "owner" },
  }));
}

export function workspaceTuples(workspaceId: string): RelationTuple[] {
  return roleChain("workspace", workspaceId);
}

export function projectTuples(workspaceId: string, projectId: string): RelationTuple[] {
  const inherited = roles.map((role): RelationTuple => ({
    namespace: "project",
    object: projectId,
    relation: role,
    subject: { namespace: "workspace", object: workspaceId, relation: role },
  }));
  return [...roleChain("project", projectId), ...inherited];
}

export type Scope = Namespace;

export interface Permission {
  /** Whose object the caller needs the relation on. */
  scope: Scope;
  relation: Role | typeof PLATFORM_ADMIN;
}

/**
 * What each action needs. Project-scoped actions are checked on the project (which
 * inherits from its workspace); actions that change the workspace's shape, its access
 * or its money are checked on the workspace.
 *
 * | action             | needs                      |
 * | ------------------ | -------------------------- |
 * | workspace.read     | viewer on the workspace    |
 * | usage.read         | viewer on the workspace    |
 * | member.read        | viewer on the workspace    |
 * | installation.read  | viewer on the workspace    |
 * | project.read       | viewer on the project      |
 * | runner.read        | viewer on the project      |
 * | job.read           | viewer on the project      |
 * | runner.write       | member on the project      |
 * | project.write      | admin on the workspace     |
 * | token.read         | admin on the workspace     |
 * | token.write        | admin on the workspace     |
 * | credential.write   | admin on the workspace     |
 * | member.write       | admin on the workspace     |
 * | installation.write | admin on the workspace     |
 * | audit.read         | admin on the workspace     |
 * | usage.export       | admin on the workspace     |
 * | owner.write        | owner on the workspace     |
 * | workspace.rename   | owner on the workspace     |
 * | workspace.delete   | owner on the workspace     |
 * | offering.write     | platform admin             |
 * | installation.link  | platform admin             |
 *
 * `owner.write` guards granting or taking away the owner role (member.write covers the
 * other roles), so an admin cannot make themselves owner. `installation.link` guards
 * linking an installation that no workspace has yet: nothing proves yet that the caller
 * controls the GitHub account, so only operators may. `usage.export` is the billing
 * ledger itself, row by row.
 */
export const permissions = {
  "workspace.read": { scope: "workspace", relation: "viewer" },
  "usage.read": { scope: "workspace", relation: "viewer" },
  "member.read": { scope: "workspace", relation: "viewer" },
  "installation.read": { scope: "workspace", relation: "viewer" },
  "project.read": { scope: "project", relation: "viewer" },
  "runner.read": { scope: "project", relation: "viewer" },
  "job.read": { scope: "project", relation: "viewer" },
  "runner.write": { scope: "project", relation: "member" },
  "project.write": { scope: "workspace", relation: "admin" },
  "token.read": { scope: "workspace", relation: "admin" },
  "token.write": { scope: "workspace", relation: "admin" },
  "credential.write": { scope: "workspace", relation: "admin" },
  "member.write": { scope: "workspace", relation: "admin" },
  "installation.write": { scope: "workspace", relation: "admin" },
  "audit.read": { scope: "workspace", relation: "admin" },
  "usage.export": { scope: "workspace", relation: "admin" },
  "owner.write": { scope: "workspace", relation: "owner" },
  "workspace.rename": { scope: "workspace", relation: "owner" },
  "workspace.delete": { scope: "workspace", relation: "owner" },
  "offering.write": { scope: "platform", relation: PLATFORM_ADMIN },
  "installation.link": { scope: "platform", relation: PLATFORM_ADMIN },
} as const satisfies Record<string, Permission>;

export type Action = keyof typeof permissions;
export const actions = Object.keys(permissions) as Action[];

/** The objects an action may be about; which id it needs follows from its scope. */
export interface ActionTarget {
  workspaceId?: string;
  projectId?: string;
}

export class MissingTargetError extends Error {
  override name = "MissingTargetError";
}

/** The object#relation the caller must reach for `action` on `target`. */
export function requirement(action: Action, target: ActionTarget = {}): RelationRef {
  const { scope, relation }: Permission = permissions[action];
  switch (scope) {
    case "platform":
      return { namespace: "platform", object: PLATFORM_OBJECT, relation };
    case "workspace":
      if (target.workspaceId === undefined) {
        throw new MissingTargetError(`${action} is checked on a workspace; none was given`);
      }
      return { namespace: "workspace", object: target.workspaceId, relation };
    case "project":
      if (target.projectId === undefined) {
        throw new MissingTargetError(`${action} is checked on a project; none was given`);
      }
      return { namespace: "project", object: target.projectId, relation };
    default: {
      const unknownScope: never = scope;
      throw new Error(`unknown scope ${String(unknownScope)}`);
    }
  }
}
