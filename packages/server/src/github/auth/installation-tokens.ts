import type { LoggerLike } from "../types.js";

// Installation access tokens, cached per installation on Hangar's clock.
// "Token expiry mid-burst" (ARC) is the failure to avoid: when a token nears
// expiry while hundreds of requests are queued, exactly one of them mints a
// new token and the rest wait for that same mint.

export interface MintedToken {
  readonly token: string;
  /** Epoch milliseconds, from GitHub's `expires_at`. */
  readonly expiresAt: number;
}

export interface InstallationTokenCache {
  /** The cached token if it is not due for refresh; never mints. */
  peek(installationId: number): string | undefined;
  get(installationId: number): Promise<string>;
  /**
   * Drops `token` after GitHub answered 401 to it. Only that token: a
   * concurrent 401 on the same stale token must not discard the fresh one
   * another caller already minted.
   */
  invalidate(installationId: number, token: string): void;
}

export function createInstallationTokenCache(options: {
  /** POST /app/installations/{id}/access_tokens, authenticated as the App. */
  mint: (installationId: number) => Promise<MintedToken>;
  now: () => number;
  refreshMarginMs: number;
  logger?: LoggerLike;
}): InstallationTokenCache {
  const cached = new Map<number, MintedToken & { refreshAt: number }>();
  const minting = new Map<number, Promise<MintedToken>>();

  function mintOnce(installationId: number): Promise<MintedToken> {
    const pending = minting.get(installationId);
    if (pending !== undefined) return pending;
    const started = (async () => {
      try {
        const mintedAt = options.now();
        const minted = await options.mint(installationId);
        // A token that lives shorter than the margin (GHES settings, test
        // simulators) is still reused for a while instead of minted per call.
        const lifetime = minted.expiresAt - mintedAt;
        const margin = Math.min(options.refreshMarginMs, lifetime / 4);
        cached.set(installationId, { ...minted, refreshAt: minted.expiresAt - margin });
        options.logger?.debug(
          { installationId, expiresAt: new Date(minted.expiresAt).toISOString() },
          "minted installation token",
        );
        return minted;
      } finally {
        minting.delete(installationId);
      }
    })();
    minting.set(installationId, started);
    return started;
  }

  function peek(installationId: number): string | undefined {
    const current = cached.get(installationId);
    return current !== undefined && options.now() < current.refreshAt ? current.token : undefined;
  }

  return {
    peek,
    async get(installationId) {
      return peek(installationId) ?? (await mintOnce(installationId)).token;
    },
    invalidate(installationId, token) {
      if (cached.get(installationId)?.token === token) cached.delete(installationId);
    },
  };
}
