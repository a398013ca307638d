import type { Config } from "../config/types.js";
import { createSecretCipher } from "../crypto/envelope.js";
import { createKeyRing } from "../crypto/key-ring.js";
import { defaultConsoleDir } from "../api/console-assets.js";
import { startApiServer, type ApiDeps, type RunningApi } from "../api/start-api.js";

export type { ApiDeps, RunningApi } from "../api/start-api.js";

/**
 * The api role. The server is assembled in api/start-api.ts from plain values; this
 * composition root is where they come from (main/dev.ts passes its own clients).
 */
export function startApi(deps: ApiDeps): Promise<RunningApi> {
  return startApiServer(deps);
}

/** The API's settings as startApi wants them, from the loaded configuration. */
export function apiSettings(
  config: Config,
): Pick<
  ApiDeps,
  "host" | "port" | "maxBodyBytes" | "rateLimit" | "secrets" | "namespacePrefix" | "consoleDir"
> {
  const { encryption } = config;
  const keys = createKeyRing(
    { id: encryption.keyId, key: encryption.key.reveal() },
    encryption.previousKeys.map((previous) => ({ id: previous.id, key: previous.key.reveal() })),
  );
  return {
    host: config.http.host,
    port: config.http.apiPort,
    maxBodyBytes: config.api.maxBodyBytes,
    rateLimit: { perSecond: config.api.rateLimitPerSecond, burst: config.api.rateLimitBurst },
    secrets: createSecretCipher(keys),
    namespacePrefix: config.kubernetes.namespacePrefix,
    // The dashboard of this checkout; `npm start` builds it when it is missing or stale.
    consoleDir: defaultConsoleDir,
  };
}
