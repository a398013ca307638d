import { Code, ConnectError } from "@connectrpc/connect";
import { z } from "zod";

// The one place errors become Connect codes. Handlers throw these helpers' errors (or
// let zod's validation errors through); anything else is a bug, answered as Internal
// with the request id and nothing of the cause, which is logged instead.

/** An object the caller cannot see, or that does not exist: the two look the same. */
export function notFound(what: string, id: string): ConnectError {
  return new ConnectError(`${what} ${JSON.stringify(id)} not found`, Code.NotFound);
}

export function permissionDenied(action: string): ConnectError {
  return new ConnectError(`the caller's role does not allow ${action} here`, Code.PermissionDenied);
}

/** One invalid field, named as in the .proto (snake_case). */
export function invalidField(field: string, problem: string): ConnectError {
  return new ConnectError(`invalid request: ${field}: ${problem}`, Code.InvalidArgument);
}

export function failedPrecondition(message: string): ConnectError {
  return new ConnectError(message, Code.FailedPrecondition);
}

function snakeCase(segment: PropertyKey): string {
  if (typeof segment === "number") return `[${segment}]`;
  return String(segment).replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** `custom.image`, `labels[3]`: the proto's own field names, as a caller writes them. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map(snakeCase).join(".").replace(/\.\[/g, "[");
}

export function fromZodError(error: z.ZodError): ConnectError {
  const problems = error.issues
    .slice(0, 10)
    .map((issue) => `${fieldPath(issue.path) || "request"}: ${issue.message}`);
  return new ConnectError(`invalid request: ${problems.join("; ")}`, Code.InvalidArgument);
}

/** PostgreSQL's errors that a valid-looking request can still cause. */
interface PgError {
  code: string;
  constraint?: string;
}

function isPgError(error: unknown): error is PgError {
  return (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    typeof error.code === "string" &&
    /^[0-9A-Z]{5}$/.test(error.code)
  );
}

export interface MappedError {
  error: ConnectError;
  /** False for an error the caller caused; true for one to log as a failure of ours. */
  unexpected: boolean;
}

/** Maps anything a handler threw; never puts an unexpected error's text in the answer. */
export function mapError(error: unknown, requestId: string): MappedError {
  if (error instanceof ConnectError) {
    return { error, unexpected: error.code === Code.Internal || error.code === Code.Unknown };
  }
  if (error instanceof z.ZodError) return { error: fromZodError(error), unexpected: false };
  if (isPgError(error)) {
    // A race between two requests, or a check the validation missed: the database is
    // the last line of defence, and the caller gets the honest class of the problem.
    if (error.code === "23505") {
      return {
        error: new ConnectError("the object already exists", Code.AlreadyExists),
        unexpected: false,
      };
    }
    if (error.code === "23514" || error.code === "22001" || error.code === "22003") {
      // Validation should have caught it; the constraint's name says which rule.
      const rule = error.constraint === undefined ? "" : ` (${error.constraint})`;
      return {
        error: new ConnectError(
          `invalid request: a value is out of range${rule}`,
          Code.InvalidArgument,
        ),
        unexpected: false,
      };
    }
    if (error.code === "40001" || error.code === "40P01") {
      return {
        error: new ConnectError("a concurrent change conflicted; retry", Code.Aborted),
        unexpected: false,
      };
    }
  }
  return {
    error: new ConnectError(`internal error (request id ${requestId})`, Code.Internal),
    unexpected: true,
  };
}
