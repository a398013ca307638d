// The authorization layer's public surface: the model, check/listObjects/expand, and the
// tuple writers that handlers call inside their transactions.
export {
  actions,
  MissingTargetError,
  PLATFORM_ADMIN,
  PLATFORM_OBJECT,
  permissions,
  projectTuples,
  relationsOf,
  requirement,
  roles,
  tokenSubject,
  userSubject,
  workspaceTuples,
} from "./model.js";
export type { Action, ActionTarget, Namespace, Permission, Role, Scope } from "./model.js";
export { check, checkAction, listObjects, MAX_DEPTH } from "./check.js";
export type { CheckRequest, ListObjectsRequest, WalkOptions } from "./check.js";
export { expand, subjectsIn } from "./expand.js";
export type { ExpandTree } from "./expand.js";
export {
  deleteObjectTuples,
  deleteWorkspaceTuples,
  grantRole,
  revokeAll,
  revokeRole,
  revokeWorkspaceAccess,
  writeProjectTuples,
  writeTuples,
  writeWorkspaceTuples,
} from "./write.js";
export type { Grant } from "./write.js";
export {
  formatRelationRef,
  formatSubject,
  formatTuple,
  parseRelationRef,
  parseSubject,
  parseTuple,
  TupleSyntaxError,
} from "./tuples.js";
export type { RelationRef, RelationTuple, Subject, SubjectId, SubjectSet } from "./tuples.js";
