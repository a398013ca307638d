/**
 * What `hangar` exits with, so scripts can tell a missing object from a refused one
 * without parsing messages. 69 and 78 are sysexits.h's EX_UNAVAILABLE and EX_CONFIG.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  permissionDenied: 4,
  unauthenticated: 5,
  unavailable: 69,
  config: 78,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the user can act on: printed as one line (and a hint), never with a stack. */
export class CliError extends Error {
  override name = "CliError";

  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    readonly hint?: string,
  ) {
    super(message);
  }
}
