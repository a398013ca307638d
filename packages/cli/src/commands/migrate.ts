import { loadConfig } from "@hangar/server/config/load.js";
import { migrate as applyMigrations } from "@hangar/server/storage/migrate.js";

/** `hangar migrate`: applies pending migrations to HANGAR_DATABASE_URL. */
export async function migrate(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env);
  const result = await applyMigrations(config.database.url.reveal(), {
    log: (message) => process.stderr.write(`${message}\n`),
  });
  process.stdout.write(
    `applied ${result.applied.length} migration(s)${result.applied.length ? `: ${result.applied.join(", ")}` : ""}; ${result.alreadyApplied} already applied\n`,
  );
}
