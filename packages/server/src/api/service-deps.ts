import type { Kysely } from "kysely";
import type { SecretCipher } from "../crypto/envelope.js";
import type { Database } from "../storage/schema.js";
import type { Authorize, Authorizer } from "./access.js";
import type { PoolSignals } from "./runners/pool-signals.js";

/** What the services besides RunnerService are built from (start-api.ts assembles it). */
export interface ServiceDeps {
  db: Kysely<Database>;
  authorize: Authorize;
  /** The engine itself, for questions authorize() does not ask (roles, platform admin). */
  authorizer: Authorizer;
  pools: PoolSignals;
  /** Seals registry credentials; undefined when the process has no key ring. */
  secrets: SecretCipher | undefined;
}
