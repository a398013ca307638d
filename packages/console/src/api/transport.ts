import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { readToken } from "./session.js";

const bearer: Interceptor = (next) => (request) => {
  const token = readToken();
  if (token !== undefined) request.header.set("Authorization", `Bearer ${token}`);
  return next(request);
};

/** The API is served from the dashboard's own origin (proxied by Vite in development). */
export const transport = createConnectTransport({
  baseUrl: window.location.origin,
  interceptors: [bearer],
});

export function isUnauthenticated(error: unknown): boolean {
  return error instanceof ConnectError && error.code === Code.Unauthenticated;
}

/** A short sentence for an error shown to people, without the Connect code prefix. */
export function errorMessage(error: unknown): string {
  if (error instanceof ConnectError) {
    if (error.code === Code.NotFound) return `Not found: ${error.rawMessage}`;
    if (error.code === Code.PermissionDenied) {
      return `Your role does not allow this: ${error.rawMessage}`;
    }
    if (error.code === Code.Unavailable) return "The API is not reachable. Retrying…";
    if (error.code === Code.Unimplemented) return "This server does not offer that yet.";
    return error.rawMessage || Code[error.code];
  }
  return error instanceof Error ? error.message : String(error);
}
