import { createHash } from "node:crypto";

// Where the URLs inside payloads point. Real GitHub uses github.com for pages
// and api.github.com for the API; a simulator run can point both at itself so
// clients that follow `url` fields stay inside the simulation.

export interface GitHubUrls {
  webBaseUrl: string;
  apiBaseUrl: string;
  avatarsBaseUrl: string;
}

export const DEFAULT_GITHUB_URLS: GitHubUrls = {
  webBaseUrl: "https://github.com",
  apiBaseUrl: "https://api.github.com",
  avatarsBaseUrl: "https://avatars.githubusercontent.com",
};

/** Fills in defaults and drops trailing slashes so paths can be appended with `/`. */
export function resolveUrls(urls: Partial<GitHubUrls> = {}): GitHubUrls {
  const trim = (u: string) => u.replace(/\/+$/, "");
  return {
    webBaseUrl: trim(urls.webBaseUrl ?? DEFAULT_GITHUB_URLS.webBaseUrl),
    apiBaseUrl: trim(urls.apiBaseUrl ?? DEFAULT_GITHUB_URLS.apiBaseUrl),
    avatarsBaseUrl: trim(urls.avatarsBaseUrl ?? DEFAULT_GITHUB_URLS.avatarsBaseUrl),
  };
}

/**
 * GitHub's legacy global node ids: base64 of `0<len(type)>:<Type><id>`
 * (e.g. `MDQ6VXNlcjE=` for User 1). Clients treat them as opaque, but
 * keeping the real encoding makes simulated payloads look like recorded ones.
 */
export function legacyNodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString("base64");
}

/** Timestamps the model does not carry fall back to this fixed instant, never the clock. */
export const SIM_EPOCH = "2020-01-01T00:00:00Z";

/** A stable 40-hex id for git objects the model does not track (e.g. tree ids). */
export function derivedSha(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}
