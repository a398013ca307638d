import { sql, type Transaction } from "kysely";
import type { Database } from "../../storage/schema.js";
import { writeAudit } from "../audit.js";
import type { Audited } from "../runners/create-runner.js";
import { failedPrecondition } from "../errors.js";
import { runnerColumns } from "../runners/runner-rows.js";

// Deleting a workspace or project deletes its runner configurations the way DeleteRunner
// does: status "deleting", audited, then a signal to each pool (after the commit), which
// drains and removes the runners. Without `force`, live instances (a job may be running
// on one) refuse the deletion instead.

type Trx = Transaction<Database>;

export async function deleteRunnersOf(
  trx: Trx,
  scope: { workspaceId: string; projectId?: string },
  options: { force: boolean; what: string },
  audited: Audited,
): Promise<string[]> {
  let live = trx
    .selectFrom("runner_instances as i")
    .innerJoin("runners as r", "r.id", "i.runner_id")
    .select(sql<string>`count(*)`.as("count"))
    .where("r.workspace_id", "=", scope.workspaceId)
    .where("i.state", "not in", ["terminated", "failed"]);
  if (scope.projectId !== undefined) live = live.where("r.project_id", "=", scope.projectId);
  const { count } = await live.executeTakeFirstOrThrow();
  if (!options.force && Number(count) > 0) {
    throw failedPrecondition(
      `the ${options.what} has ${count} live runner instance(s); delete its runners and wait for them to drain, or pass force`,
    );
  }
  let runners = trx
    .selectFrom("runners")
    .select(runnerColumns)
    .where("workspace_id", "=", scope.workspaceId)
    .where("deleted_at", "is", null)
    .where("status", "!=", "deleting");
  if (scope.projectId !== undefined) runners = runners.where("project_id", "=", scope.projectId);
  const before = await runners.forUpdate().execute();
  for (const row of before) {
    const after = await trx
      .updateTable("runners")
      .set({ status: "deleting", status_message: null })
      .where("id", "=", row.id)
      .returning(runnerColumns)
      .executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor: audited.caller.subject,
      workspaceId: row.workspace_id,
      objectType: "runner",
      objectId: row.id,
      action: "runner.delete",
      before: row,
      after,
      requestId: audited.requestId,
    });
  }
  return before.map((row) => row.id);
}
