import type { Kysely } from "kysely";
import type { Database } from "../../storage/schema.js";
import type { Authorize } from "../access.js";
import type { PoolSignals } from "./pool-signals.js";

export interface RunnerServiceDeps {
  db: Kysely<Database>;
  authorize: Authorize;
  pools: PoolSignals;
}
