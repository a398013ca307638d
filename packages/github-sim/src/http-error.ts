/** Documentation links GitHub puts in error bodies; clients only check that one is present. */
export const DOCS = "https://docs.github.com/rest";

/**
 * An error answered in GitHub's shape `{ message, documentation_url, status }`.
 * Thrown anywhere in a request; one error handler in server.ts writes it out.
 */
export class GitHubHttpError extends Error {
  override readonly name = "GitHubHttpError";

  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return {
      message: this.message,
      documentation_url: DOCS,
      status: String(this.status),
      ...this.extra,
    };
  }
}

export const notFound = (): GitHubHttpError => new GitHubHttpError(404, "Not Found");

export const badCredentials = (): GitHubHttpError => new GitHubHttpError(401, "Bad credentials");

export const SECONDARY_LIMIT_MESSAGE =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.";
