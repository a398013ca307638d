import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/**
 * Makes sure a repository row exists before a job or run that references it is
 * written: workflow events can arrive before the installation's repository sync.
 * Privacy is unknown from those events, so the row says private until the sync
 * corrects it (the safe default for anything shown to other users).
 */
export async function ensureRepositoryRow(
  db: Kysely<Database>,
  repository: { id: number; installationId: number; fullName: string },
): Promise<void> {
  await db
    .insertInto("repositories")
    .values({
      github_repository_id: repository.id,
      installation_id: repository.installationId,
      full_name: repository.fullName,
      private: true,
    })
    .onConflict((oc) => oc.column("github_repository_id").doNothing())
    .execute();
}
