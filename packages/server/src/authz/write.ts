import { sql, type Insertable, type Transaction } from "kysely";
import type { Database } from "../storage/schema.js";
import type { RelationTuplesTable } from "../storage/schema/intake.js";
import {
  projectTuples,
  relationsOf,
  subjectNamespaces,
  workspaceTuples,
  type Namespace,
} from "./model.js";
import {
  formatTuple,
  isSubjectSet,
  TupleSyntaxError,
  validateObject,
  validateSubjectId,
  validateTuple,
  type RelationTuple,
  type SubjectId,
} from "./tuples.js";

// Tuple maintenance, always inside the caller's transaction, so that the tuples change
// together with the rows they describe (a member, a token, a project) or not at all.
// Every write is idempotent: inserts skip tuples already present (relation_tuples_key),
// deletes of what is gone delete nothing.

type Trx = Transaction<Database>;

function toRow(tuple: RelationTuple): Insertable<RelationTuplesTable> {
  validateTuple(tuple);
  const base = { namespace: tuple.namespace, object: tuple.object, relation: tuple.relation };
  const { subject } = tuple;
  return isSubjectSet(subject)
    ? {
        ...base,
        subject_set_namespace: subject.namespace,
        subject_set_object: subject.object,
        subject_set_relation: subject.relation,
      }
    : { ...base, subject_id: subject };
}

/** Inserts tuples that are not there yet. */
export async function writeTuples(trx: Trx, tuples: readonly RelationTuple[]): Promise<void> {
  if (tuples.length === 0) return;
  await trx
    .insertInto("relation_tuples")
    .values(tuples.map(toRow))
    .onConflict((conflict) => conflict.constraint("relation_tuples_key").doNothing())
    .execute();
}

/** The workspace's role chain (owner ⊇ admin ⊇ member ⊇ viewer); once, at creation. */
export function writeWorkspaceTuples(trx: Trx, workspaceId: string): Promise<void> {
  return writeTuples(trx, workspaceTuples(workspaceId));
}

/** The project's role chain and its inheritance from its workspace's roles. */
export function writeProjectTuples(
  trx: Trx,
  workspaceId: string,
  projectId: string,
): Promise<void> {
  return writeTuples(trx, projectTuples(workspaceId, projectId));
}

export interface Grant {
  namespace: Namespace;
  object: string;
  /** A role of the namespace (relationsOf): owner/admin/member/viewer, or the platform's admin. */
  role: string;
  subject: SubjectId;
}

function validateGrantee(subject: SubjectId): void {
  validateSubjectId(subject);
  const namespace = subject.slice(0, subject.indexOf(":"));
  if (!(subjectNamespaces as readonly string[]).includes(namespace)) {
    throw new TupleSyntaxError("subject", subject, `expected ${subjectNamespaces.join(" or ")}`);
  }
}

/**
 * Gives `subject` exactly `role` on the object, taking away any other role it held there
 * directly (a member promoted to admin is no longer also a viewer by grant). Roles held
 * through subject sets (a workspace role seen on a project) are untouched.
 */
export async function grantRole(trx: Trx, grant: Grant): Promise<void> {
  validateGrantee(grant.subject);
  validateObject(grant.object);
  if (!relationsOf[grant.namespace].includes(grant.role)) {
    throw new TupleSyntaxError("relation", grant.role, `not a role of ${grant.namespace}`);
  }
  const tuple: RelationTuple = {
    namespace: grant.namespace,
    object: grant.object,
    relation: grant.role,
    subject: grant.subject,
  };
  // Two grants to the same subject on the same object in concurrent transactions would
  // each delete the other's (not yet visible) role and both insert theirs; serialise them.
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${formatTuple({ ...tuple, relation: "grant" })}, 0))`.execute(
    trx,
  );
  await trx
    .deleteFrom("relation_tuples")
    .where("namespace", "=", grant.namespace)
    .where("object", "=", grant.object)
    .where("subject_id", "=", grant.subject)
    .where("relation", "!=", grant.role)
    .execute();
  await writeTuples(trx, [tuple]);
}

/** Takes away the subject's direct role on one object, if any. */
export async function revokeRole(
  trx: Trx,
  target: { namespace: Namespace; object: string; subject: SubjectId },
): Promise<void> {
  validateSubjectId(target.subject);
  await trx
    .deleteFrom("relation_tuples")
    .where("namespace", "=", target.namespace)
    .where("object", "=", target.object)
    .where("subject_id", "=", target.subject)
    .execute();
}

/**
 * Takes away the subject's direct roles on a workspace and on its projects (a member
 * removed from one workspace keeps their roles in others).
 */
export async function revokeWorkspaceAccess(
  trx: Trx,
  workspaceId: string,
  subject: SubjectId,
): Promise<void> {
  validateSubjectId(subject);
  validateObject(workspaceId);
  await sql`
    DELETE FROM relation_tuples
    WHERE subject_id = ${subject}
      AND ((namespace = 'workspace' AND object = ${workspaceId})
        OR (namespace = 'project' AND object IN (
              SELECT id::text FROM projects WHERE workspace_id = ${workspaceId})))`.execute(trx);
}

/** Everything the subject was granted anywhere: a revoked token, a deleted user. */
export async function revokeAll(trx: Trx, subject: SubjectId): Promise<void> {
  validateSubjectId(subject);
  await trx.deleteFrom("relation_tuples").where("subject_id", "=", subject).execute();
}

/**
 * The object's tuples and every tuple whose subject set points at it, so nothing keeps
 * inheriting through a deleted workspace or project.
 */
export async function deleteObjectTuples(
  trx: Trx,
  namespace: Namespace,
  object: string,
): Promise<void> {
  validateObject(object);
  await trx
    .deleteFrom("relation_tuples")
    .where("namespace", "=", namespace)
    .where("object", "=", object)
    .execute();
  // "subject_id IS NULL" lets relation_tuples_subject_set_idx (partial) serve this.
  await trx
    .deleteFrom("relation_tuples")
    .where("subject_id", "is", null)
    .where("subject_set_namespace", "=", namespace)
    .where("subject_set_object", "=", object)
    .execute();
}

/** A deleted workspace: its tuples and those of all of its projects. */
export async function deleteWorkspaceTuples(trx: Trx, workspaceId: string): Promise<void> {
  validateObject(workspaceId);
  const projects = await trx
    .selectFrom("projects")
    .select(sql<string>`id::text`.as("id"))
    .where("workspace_id", "=", workspaceId)
    .execute();
  for (const { id } of projects) await deleteObjectTuples(trx, "project", id);
  await deleteObjectTuples(trx, "workspace", workspaceId);
}
