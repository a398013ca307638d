import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Database } from "../storage/schema.js";
import { requirement, type Action, type ActionTarget } from "./model.js";
import {
  validateNamespace,
  validateRelation,
  validateRelationRef,
  validateSubjectId,
  type RelationRef,
  type SubjectId,
} from "./tuples.js";

// Questions answered from relation_tuples, each in one SQL statement. Both walks are
// recursive CTEs over (namespace, object, relation, depth) with UNION: a node reached
// twice at the same depth (a diamond) is kept once, and the depth bound ends cycles, so
// a cycle of k nodes is walked at most maxDepth / k times round.
//
// Index use (see check.test.ts, which asserts the plans):
//   check, expand: object#relation → its subject sets, and → one subject id, are prefix
//                  probes of relation_tuples_key (namespace, object, relation, subject_id, …).
//   listObjects:   subject id → tuples is relation_tuples_subject_id_idx; subject set →
//                  the tuples naming it is relation_tuples_subject_set_idx.

/**
 * Subject-set hops a walk follows. The model's longest path is four
 * (project viewer → project member → project admin → project owner → workspace owner,
 * or through the workspace's chain), so eight leaves room without letting a runaway
 * graph cost much.
 */
export const MAX_DEPTH = 8;

export interface CheckRequest extends RelationRef {
  subject: SubjectId;
}

export interface WalkOptions {
  maxDepth?: number;
}

export function walkDepth(options: WalkOptions): number {
  const depth = options.maxDepth ?? MAX_DEPTH;
  if (!Number.isInteger(depth) || depth < 0 || depth > 32) {
    throw new RangeError(`maxDepth must be an integer from 0 to 32, not ${depth}`);
  }
  return depth;
}

/** Does `subject` have `relation` on `namespace:object`, directly or through subject sets? */
export async function check(
  db: Kysely<Database>,
  request: CheckRequest,
  options: WalkOptions = {},
): Promise<boolean> {
  validateRelationRef(request);
  validateSubjectId(request.subject);
  const maxDepth = walkDepth(options);
  const { rows } = await checkQuery(request, maxDepth).execute(db);
  return rows[0]?.allowed === true;
}

/** check() for an action of the model: whether `subject` may do `action` on `target`. */
export function checkAction(
  db: Kysely<Database>,
  subject: SubjectId,
  action: Action,
  target: ActionTarget = {},
): Promise<boolean> {
  return check(db, { ...requirement(action, target), subject });
}

export interface ListObjectsRequest {
  namespace: string;
  relation: string;
  subject: SubjectId;
}

/**
 * The ids of the `namespace` objects on which `subject` has `relation`, sorted: the
 * reverse of check, walking from the subject's own tuples up through the subject sets
 * that contain them ("the workspaces I can see").
 */
export async function listObjects(
  db: Kysely<Database>,
  request: ListObjectsRequest,
  options: WalkOptions = {},
): Promise<string[]> {
  validateNamespace(request.namespace);
  validateRelation(request.relation);
  validateSubjectId(request.subject);
  const maxDepth = walkDepth(options);
  const { rows } = await listObjectsQuery(request, maxDepth).execute(db);
  return rows.map((row) => row.object);
}

/** check()'s statement, apart so that tests can EXPLAIN exactly what runs. */
export function checkQuery(
  request: CheckRequest,
  maxDepth: number,
): RawBuilder<{ allowed: boolean }> {
  return sql<{ allowed: boolean }>`
    WITH RECURSIVE reached (namespace, object, relation, depth) AS (
      VALUES (${request.namespace}::text, ${request.object}::text, ${request.relation}::text, 0)
      UNION
      SELECT t.subject_set_namespace, t.subject_set_object, t.subject_set_relation, r.depth + 1
      FROM reached r
      JOIN relation_tuples t
        ON t.namespace = r.namespace AND t.object = r.object AND t.relation = r.relation
       AND t.subject_id IS NULL
      WHERE r.depth < ${maxDepth}
    )
    SELECT EXISTS (
      SELECT 1
      FROM reached r
      JOIN relation_tuples t
        ON t.namespace = r.namespace AND t.object = r.object AND t.relation = r.relation
       AND t.subject_id = ${request.subject}
    ) AS allowed`;
}

/** listObjects()'s statement. */
export function listObjectsQuery(
  request: ListObjectsRequest,
  maxDepth: number,
): RawBuilder<{ object: string }> {
  return sql<{ object: string }>`
    WITH RECURSIVE reached (namespace, object, relation, depth) AS (
      SELECT t.namespace, t.object, t.relation, 0
      FROM relation_tuples t
      WHERE t.subject_id = ${request.subject}
      UNION
      SELECT t.namespace, t.object, t.relation, r.depth + 1
      FROM reached r
      JOIN relation_tuples t
        ON t.subject_set_namespace = r.namespace AND t.subject_set_object = r.object
       AND t.subject_set_relation = r.relation AND t.subject_id IS NULL
      WHERE r.depth < ${maxDepth}
    )
    SELECT DISTINCT object FROM reached
    WHERE namespace = ${request.namespace} AND relation = ${request.relation}
    ORDER BY object`;
}
