import { randomBase62, randomInt } from "../prng.js";

export interface MintedToken {
  token: string;
  installationId: number;
  expiresAtMs: number;
}

/**
 * Installation access tokens. Their length varies on purpose: GitHub changed
 * the token format in 2026, and clients that assumed a fixed length broke.
 */
export class TokenStore {
  private readonly byToken = new Map<string, MintedToken>();
  readonly mintedPerInstallation = new Map<number, number>();

  mint(installationId: number, nowMs: number, ttlSeconds: number): MintedToken {
    const token = `ghs_${randomBase62(randomInt(36, 72))}`;
    const minted = { token, installationId, expiresAtMs: nowMs + ttlSeconds * 1000 };
    this.byToken.set(token, minted);
    this.mintedPerInstallation.set(
      installationId,
      (this.mintedPerInstallation.get(installationId) ?? 0) + 1,
    );
    return minted;
  }

  /** The token's installation, or undefined when unknown or expired by `nowMs`. */
  resolve(token: string, nowMs: number): number | undefined {
    const minted = this.byToken.get(token);
    if (!minted) return undefined;
    if (minted.expiresAtMs <= nowMs) {
      this.byToken.delete(token);
      return undefined;
    }
    return minted.installationId;
  }
}
