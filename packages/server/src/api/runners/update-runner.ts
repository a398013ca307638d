import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import {
  UpdateRunnerResponseSchema,
  type UpdateRunnerRequest,
  type UpdateRunnerResponse,
} from "@hangar/api/runner_service_pb.js";
import type { Updateable } from "kysely";
import type { RunnersTable } from "../../storage/schema/runners.js";
import { writeAudit } from "../audit.js";
import { callerOf, requestInfo } from "../context.js";
import { failedPrecondition, invalidField, notFound } from "../errors.js";
import { notifyPools } from "./pool-signals.js";
import { findRunner, runnerColumns, toRunner, type RunnerRow } from "./runner-rows.js";
import type { RunnerServiceDeps } from "./service-deps.js";
import { customOnlyFields, parseRunnerUpdate, type RunnerUpdate } from "./update-requests.js";

// UpdateRunner: changes what update_mask names on a runner that is not being deleted,
// audits the row before and after in the same transaction, then asks the runner's pool
// to re-read its configuration (new labels, sizes and idle targets reach new instances;
// running ones finish their jobs as they are).

/** The columns the update sets, from the row as it is and the fields asked for. */
function changesOf(update: RunnerUpdate, before: RunnerRow): Updateable<RunnersTable> {
  const changes: Updateable<RunnersTable> = {};
  for (const field of update.mask) {
    switch (field) {
      case "labels":
        // The runner's name is always its first label; keeping it twice helps nobody.
        changes.labels = (update.labels ?? []).filter((label) => label !== before.name);
        break;
      case "repositories":
        changes.repositories = update.repositories ?? [];
        break;
      case "min_idle":
        changes.min_idle = update.minIdle ?? 0;
        break;
      case "max_runners":
        changes.max_runners = update.maxRunners ?? 1;
        break;
      case "prewarm_max_idle":
        changes.prewarm_max_idle = update.prewarmMaxIdle ?? null;
        break;
      case "image":
        changes.image = update.image ?? "";
        break;
      case "cpu":
        changes.cpu = update.cpu ?? "";
        break;
      case "memory":
        changes.memory = update.memory ?? "";
        break;
      case "registry_credential_id":
        changes.registry_credential_id = update.registryCredentialId ?? null;
        break;
      default: {
        const unknownField: never = field;
        throw new Error(`unknown field ${String(unknownField)}`);
      }
    }
  }
  return changes;
}

/** Whether setting `changes` would leave the row as it is. */
function changesNothing(changes: Updateable<RunnersTable>, before: RunnerRow): boolean {
  const row = before as unknown as Record<string, unknown>;
  return Object.entries(changes).every(
    ([column, value]) => JSON.stringify(row[column]) === JSON.stringify(value),
  );
}

export function createRunnerUpdate(deps: RunnerServiceDeps) {
  const { db, authorize, pools } = deps;

  return async function updateRunner(
    request: UpdateRunnerRequest,
    context: HandlerContext,
  ): Promise<UpdateRunnerResponse> {
    if (request.runner === undefined) throw invalidField("runner", "is required");
    const update = parseRunnerUpdate({
      runner: request.runner,
      updateMask: request.updateMask,
    });
    const caller = callerOf(context);
    const visible = await findRunner(db, update.id);
    if (visible === undefined) throw notFound("runner", update.id);
    await authorize(
      caller,
      "runner.write",
      { workspaceId: visible.workspace_id, projectId: visible.project_id },
      "runner",
      update.id,
    );
    const { requestId, logger } = requestInfo(context);
    const result = await db.transaction().execute(async (trx) => {
      const before = await findRunner(trx, update.id, { forUpdate: true });
      if (before === undefined) throw notFound("runner", update.id);
      if (before.status === "deleting") {
        throw failedPrecondition("the runner is being deleted; it can no longer be changed");
      }
      if (!before.is_custom) {
        const custom = update.mask.find((field) => customOnlyFields.has(field));
        if (custom !== undefined) {
          throw invalidField(
            custom,
            `only custom runners have it; this runner takes it from the offering ${JSON.stringify(before.offering_id ?? "")}`,
          );
        }
      }
      const changes = changesOf(update, before);
      const minIdle = changes.min_idle ?? before.min_idle;
      const maxRunners = changes.max_runners ?? before.max_runners;
      if (typeof minIdle === "number" && typeof maxRunners === "number" && minIdle > maxRunners) {
        throw invalidField("min_idle", `must not exceed max_runners (${maxRunners})`);
      }
      if (typeof changes.registry_credential_id === "string") {
        const credential = await trx
          .selectFrom("registry_credentials")
          .select("id")
          .where("id", "=", changes.registry_credential_id)
          .where("workspace_id", "=", before.workspace_id)
          .where("deleted_at", "is", null)
          .executeTakeFirst();
        if (credential === undefined) {
          throw notFound("registry credential", changes.registry_credential_id);
        }
      }
      // Asking for what the runner already is changes nothing and records nothing.
      if (changesNothing(changes, before)) return { row: before, changed: false };
      const after = await trx
        .updateTable("runners")
        .set(changes)
        .where("id", "=", update.id)
        .returning(runnerColumns)
        .executeTakeFirstOrThrow();
      await writeAudit(trx, {
        actor: caller.subject,
        workspaceId: after.workspace_id,
        objectType: "runner",
        objectId: after.id,
        action: "runner.update",
        before,
        after,
        requestId,
      });
      return { row: after, changed: true };
    });
    if (result.changed) {
      const row = result.row;
      // A pool that must now keep idle runners is started; a suspended one stays stopped.
      const start =
        row.status !== "suspended" && (row.min_idle > 0 || row.prewarm_max_idle !== null);
      await notifyPools(pools, [row.id], { start }, logger);
    }
    return create(UpdateRunnerResponseSchema, { runner: toRunner(result.row) });
  };
}
