import { Code, ConnectError } from "@connectrpc/connect";
import { CliError, ExitCode, type ExitCodeValue } from "../exit-codes.js";

const unreachableHint = "is `npm start` running? (or pass --api-url / set HANGAR_API_URL)";

const byCode: Partial<Record<Code, { exitCode: ExitCodeValue; prefix: string; hint?: string }>> = {
  [Code.NotFound]: { exitCode: ExitCode.notFound, prefix: "not found" },
  [Code.PermissionDenied]: {
    exitCode: ExitCode.permissionDenied,
    prefix: "permission denied",
    hint: "the token's role in this workspace does not allow it; ask an admin for a token with a higher role",
  },
  [Code.Unauthenticated]: {
    exitCode: ExitCode.unauthenticated,
    prefix: "not authenticated",
    hint: "the token is unknown, expired or revoked: run `hangar login` with a valid one",
  },
  [Code.Unavailable]: {
    exitCode: ExitCode.unavailable,
    prefix: "the API is unavailable",
    hint: unreachableHint,
  },
  [Code.InvalidArgument]: { exitCode: ExitCode.usage, prefix: "invalid request" },
  [Code.AlreadyExists]: { exitCode: ExitCode.failure, prefix: "already exists" },
  [Code.FailedPrecondition]: { exitCode: ExitCode.failure, prefix: "not possible now" },
  [Code.ResourceExhausted]: { exitCode: ExitCode.failure, prefix: "rate limited" },
  [Code.Unimplemented]: { exitCode: ExitCode.failure, prefix: "not supported" },
};

/** Socket-level failures, which connect-node reports as `unavailable` or `unknown`. */
function isUnreachable(error: ConnectError): boolean {
  const cause = error.cause as { code?: unknown } | undefined;
  const code = typeof cause?.code === "string" ? cause.code : "";
  return (
    ["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ECONNRESET", "EAI_AGAIN"].includes(code) ||
    /ECONNREFUSED|ENOTFOUND|fetch failed/.test(error.rawMessage)
  );
}

/** A Connect error as one line the user can act on, with an exit code of its kind. */
export function fromConnectError(error: unknown, apiUrl: string): CliError | undefined {
  if (!(error instanceof ConnectError)) return undefined;
  if (isUnreachable(error)) {
    return new CliError(`cannot reach the API at ${apiUrl}`, ExitCode.unavailable, unreachableHint);
  }
  const known = byCode[error.code];
  if (known === undefined) {
    return new CliError(`the API failed: ${error.rawMessage}`, ExitCode.failure);
  }
  return new CliError(`${known.prefix}: ${error.rawMessage}`, known.exitCode, known.hint);
}
