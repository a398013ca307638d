// Relation tuples in their text form, `namespace:object#relation@subject`, where the
// subject is a subject id (`user:<uuid>`, `token:<uuid>`) or a subject set
// (`namespace:object#relation`: everyone who has that relation on that object).
//
// Every part is validated here, once, so that what reaches SQL or the log is a short
// string of known characters: the separators `:`, `#` and `@` can never appear inside a
// part, and so a formatted tuple always parses back to the same tuple.

/** An object and one of its relations: what `check` asks about, and a subject set. */
export interface RelationRef {
  namespace: string;
  object: string;
  relation: string;
}

/** A subject set: the subjects that have `relation` on `namespace:object`. */
export type SubjectSet = RelationRef;

/** `user:<uuid>` or `token:<uuid>` (the namespace is checked by the model, not here). */
export type SubjectId = string;

export type Subject = SubjectId | SubjectSet;

export interface RelationTuple extends RelationRef {
  subject: Subject;
}

export class TupleSyntaxError extends Error {
  override name = "TupleSyntaxError";
  constructor(
    readonly part: string,
    readonly value: string,
    reason: string,
  ) {
    super(`invalid ${part} ${JSON.stringify(value.slice(0, 80))}: ${reason}`);
  }
}

const MAX_NAME = 64;
const MAX_OBJECT = 128;
// Namespaces and relations are identifiers of the model; objects are ids (uuids, slugs,
// the platform's "hangar").
const namePattern = /^[a-z][a-z0-9_]*$/;
const objectPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function validate(part: string, value: string, max: number, pattern: RegExp, allowed: string) {
  if (value.length === 0) throw new TupleSyntaxError(part, value, "must not be empty");
  if (value.length > max) throw new TupleSyntaxError(part, value, `longer than ${max} characters`);
  if (!pattern.test(value)) throw new TupleSyntaxError(part, value, `allowed: ${allowed}`);
}

export function validateNamespace(value: string): void {
  validate("namespace", value, MAX_NAME, namePattern, "a-z, 0-9 and _, starting with a letter");
}

export function validateRelation(value: string): void {
  validate("relation", value, MAX_NAME, namePattern, "a-z, 0-9 and _, starting with a letter");
}

export function validateObject(value: string): void {
  validate("object", value, MAX_OBJECT, objectPattern, "A-Z, a-z, 0-9, _, . and -");
}

export function validateRelationRef(ref: RelationRef): void {
  validateNamespace(ref.namespace);
  validateObject(ref.object);
  validateRelation(ref.relation);
}

export function validateSubjectId(value: SubjectId): void {
  const colon = value.indexOf(":");
  if (colon < 0) throw new TupleSyntaxError("subject", value, "expected namespace:id");
  try {
    validateNamespace(value.slice(0, colon));
    validateObject(value.slice(colon + 1));
  } catch (error) {
    if (!(error instanceof TupleSyntaxError)) throw error;
    throw new TupleSyntaxError("subject", value, error.message);
  }
}

export function validateSubject(subject: Subject): void {
  if (isSubjectSet(subject)) validateRelationRef(subject);
  else validateSubjectId(subject);
}

export function validateTuple(tuple: RelationTuple): void {
  validateRelationRef(tuple);
  validateSubject(tuple.subject);
}

export function isSubjectSet(subject: Subject): subject is SubjectSet {
  return typeof subject !== "string";
}

export function formatRelationRef(ref: RelationRef): string {
  return `${ref.namespace}:${ref.object}#${ref.relation}`;
}

export function formatSubject(subject: Subject): string {
  return isSubjectSet(subject) ? formatRelationRef(subject) : subject;
}

export function formatTuple(tuple: RelationTuple): string {
  return `${formatRelationRef(tuple)}@${formatSubject(tuple.subject)}`;
}

/** Parses `namespace:object#relation`. */
export function parseRelationRef(text: string): RelationRef {
  const colon = text.indexOf(":");
  const hash = text.indexOf("#", colon + 1);
  if (colon < 0 || hash < 0) {
    throw new TupleSyntaxError("object#relation", text, "expected namespace:object#relation");
  }
  const ref = {
    namespace: text.slice(0, colon),
    object: text.slice(colon + 1, hash),
    relation: text.slice(hash + 1),
  };
  validateRelationRef(ref);
  return ref;
}

/** Parses a subject: a subject set when it names a relation (`#`), else a subject id. */
export function parseSubject(text: string): Subject {
  if (text.includes("#")) return parseRelationRef(text);
  validateSubjectId(text);
  return text;
}

/** Parses `namespace:object#relation@subject`. */
export function parseTuple(text: string): RelationTuple {
  const at = text.indexOf("@");
  if (at < 0) throw new TupleSyntaxError("tuple", text, "expected object#relation@subject");
  return { ...parseRelationRef(text.slice(0, at)), subject: parseSubject(text.slice(at + 1)) };
}
