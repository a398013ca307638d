import { isGrpcServiceError } from "@temporalio/client";

// Which failures of a signal-with-start call may end by waiting. The client wraps the
// gRPC error it got as the cause of a ServiceError, so the chain is searched.

// gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
const DEADLINE_EXCEEDED = 4;
const RESOURCE_EXHAUSTED = 8;
const UNAVAILABLE = 14;

/** Temporal unreachable, overloaded or too slow: waiting fixes these. */
const transientCodes: ReadonlySet<number> = new Set([
  DEADLINE_EXCEEDED,
  RESOURCE_EXHAUSTED,
  UNAVAILABLE,
]);

export type SendFailureKind = "transient" | "permanent";

/**
 * Transient failures are retried forever (a Temporal outage must never lose a
 * delivery); anything else (an invalid argument, a namespace that does not exist, a
 * payload the client cannot encode) is permanent: retrying the same call cannot help,
 * so after a bounded number of attempts the row is dead-lettered.
 */
export function classifySendFailure(error: unknown): SendFailureKind {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (isGrpcServiceError(current) && transientCodes.has(current.code)) return "transient";
    current = current.cause;
  }
  return "permanent";
}
