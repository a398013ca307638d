import { sql, type Kysely } from "kysely";
import type { Database } from "../storage/schema.js";
import { walkDepth, type WalkOptions } from "./check.js";
import {
  formatRelationRef,
  formatSubject,
  validateRelationRef,
  type RelationRef,
  type SubjectId,
  type SubjectSet,
} from "./tuples.js";

/**
 * Who has a relation on an object, and through which subject sets. A set the walk does
 * not open again says why: it is already open higher up the same branch ("cycle"), or
 * the depth bound was reached ("depth"); check() stops at the same places.
 */
export type ExpandTree =
  | { kind: "subject"; subject: SubjectId }
  | { kind: "set"; set: SubjectSet; children: ExpandTree[]; stopped?: "cycle" | "depth" };

interface TupleRow {
  namespace: string;
  object: string;
  relation: string;
  subject_id: string | null;
  subject_set_namespace: string | null;
  subject_set_object: string | null;
  subject_set_relation: string | null;
}

/** The tree of subjects of `namespace:object#relation`, read in one statement. */
export async function expand(
  db: Kysely<Database>,
  root: RelationRef,
  options: WalkOptions = {},
): Promise<ExpandTree> {
  validateRelationRef(root);
  const maxDepth = walkDepth(options);
  const { rows } = await sql<TupleRow>`
    WITH RECURSIVE reached (namespace, object, relation, depth) AS (
      VALUES (${root.namespace}::text, ${root.object}::text, ${root.relation}::text, 0)
      UNION
      SELECT t.subject_set_namespace, t.subject_set_object, t.subject_set_relation, r.depth + 1
      FROM reached r
      JOIN relation_tuples t
        ON t.namespace = r.namespace AND t.object = r.object AND t.relation = r.relation
       AND t.subject_id IS NULL
      WHERE r.depth < ${maxDepth}
    )
    SELECT t.namespace, t.object, t.relation, t.subject_id,
           t.subject_set_namespace, t.subject_set_object, t.subject_set_relation
    FROM (SELECT DISTINCT namespace, object, relation FROM reached) r
    JOIN relation_tuples t
      ON t.namespace = r.namespace AND t.object = r.object AND t.relation = r.relation`.execute(db);

  const subjectsOf = new Map<string, (SubjectId | SubjectSet)[]>();
  for (const row of rows) {
    const key = formatRelationRef(row);
    const subjects = subjectsOf.get(key) ?? [];
    subjects.push(
      row.subject_id ?? {
        namespace: row.subject_set_namespace ?? "",
        object: row.subject_set_object ?? "",
        relation: row.subject_set_relation ?? "",
      },
    );
    subjectsOf.set(key, subjects);
  }
  for (const subjects of subjectsOf.values()) {
    subjects.sort((a, b) => {
      const [x, y] = [formatSubject(a), formatSubject(b)];
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }

  const build = (set: SubjectSet, depth: number, open: ReadonlySet<string>): ExpandTree => {
    const key = formatRelationRef(set);
    const node = { namespace: set.namespace, object: set.object, relation: set.relation };
    if (open.has(key)) return { kind: "set", set: node, children: [], stopped: "cycle" };
    if (depth > maxDepth) return { kind: "set", set: node, children: [], stopped: "depth" };
    const inside = new Set(open).add(key);
    const children = (subjectsOf.get(key) ?? []).map((subject): ExpandTree =>
      typeof subject === "string"
        ? { kind: "subject", subject }
        : build(subject, depth + 1, inside),
    );
    return { kind: "set", set: node, children };
  };
  return build(root, 0, new Set());
}

/** Every subject id in a tree, sorted and once each: who has the relation. */
export function subjectsIn(tree: ExpandTree): SubjectId[] {
  const found = new Set<SubjectId>();
  const visit = (node: ExpandTree): void => {
    if (node.kind === "subject") found.add(node.subject);
    else node.children.forEach(visit);
  };
  visit(tree);
  return [...found].sort();
}
