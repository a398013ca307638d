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
