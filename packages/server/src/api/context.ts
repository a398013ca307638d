import { createContextKey, ConnectError, Code, type HandlerContext } from "@connectrpc/connect";
import type { Logger } from "../observability/logger.js";

// What every handler learns about its request besides the message: the request id (in
// every log line and audit row) and who is calling. The server sets both before a
// handler runs; a handler reading the caller of an unauthenticated request is a bug.

/** An API token's identity. Tokens act inside one workspace, with the role granted them. */
export interface Caller {
  /** The authorization subject, `token:<uuid>`; also the audit actor. */
  subject: string;
  tokenId: string;
  workspaceId: string;
}

export interface RequestInfo {
  requestId: string;
  logger: Logger;
}

export const requestInfoKey = createContextKey<RequestInfo | undefined>(undefined, {
  description: "request id and logger",
});

export const callerKey = createContextKey<Caller | undefined>(undefined, {
  description: "the authenticated caller",
});

export function requestInfo(context: Pick<HandlerContext, "values">): RequestInfo {
  const info = context.values.get(requestInfoKey);
  if (info === undefined) throw new Error("request info missing: the API server sets it");
  return info;
}

export function callerOf(context: Pick<HandlerContext, "values">): Caller {
  const caller = context.values.get(callerKey);
  if (caller === undefined) {
    throw new ConnectError("authentication required", Code.Unauthenticated);
  }
  return caller;
}
