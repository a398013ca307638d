// The API token lives in sessionStorage: it survives a reload but not the tab, and
// never leaves this origin except in the Authorization header.
const KEY = "hangar.token";

export function readToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}

/** The token of a `#token=…` fragment (the form of the URL `npm start` prints), if any. */
export function tokenFromFragment(hash: string): string | undefined {
  const token = new URLSearchParams(hash.replace(/^#/, "")).get("token")?.trim();
  return token === undefined || token === "" ? undefined : token;
}

/**
 * Signs in from a `#token=…` fragment, so one printed URL opens the dashboard signed
 * in. A fragment is never sent to the server, so the token reaches no access log; it
 * is kept as the sign-in page keeps one, then removed from the address bar (and the
 * history entry) so that it is not bookmarked or shared with the link. A bad token
 * ends up on the sign-in page through the usual `Unauthenticated` handling.
 */
export function signInFromFragment(): void {
  const token = tokenFromFragment(window.location.hash);
  if (token === undefined) return;
  storeToken(token);
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
}
