import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import {
  CreateRunnerResponseSchema,
  DeleteRunnerResponseSchema,
  InstallRunnersResponseSchema,
  ResumeRunnerResponseSchema,
  SuspendRunnerResponseSchema,
  type CreateRunnerRequest,
  type CreateRunnerResponse,
  type DeleteRunnerRequest,
  type DeleteRunnerResponse,
  type InstallRunnersRequest,
  type InstallRunnersResponse,
  type ResumeRunnerRequest,
  type ResumeRunnerResponse,
  type SuspendRunnerRequest,
  type SuspendRunnerResponse,
} from "@hangar/api/runner_service_pb.js";
import type { RunnerStatus } from "../../storage/schema/runners.js";
import { writeAudit } from "../audit.js";
import { callerOf, requestInfo, type Caller } from "../context.js";
import { failedPrecondition, notFound } from "../errors.js";
import { parseRequest } from "../validation.js";
import { installRunners } from "./install-runners.js";
import { notifyPools } from "./pool-signals.js";
import { defaultProjectId, insertRunner, requireProject } from "./create-runner.js";
import {
  createRunnerRequest,
  deleteRunnerRequest,
  runnerIdRequest,
  specFields,
} from "./requests.js";
import { findRunner, runnerColumns, toRunner, type RunnerRow } from "./runner-rows.js";
import type { RunnerServiceDeps } from "./service-deps.js";

/** A status change the API asks for, and the statuses it may be asked from. */
interface Transition {
  action: "runner.delete" | "runner.suspend" | "runner.resume";
  to: RunnerStatus;
  statusMessage: string | null;
  from: readonly RunnerStatus[];
  /** Start the pool if it is not running (it must drain, or keep idle runners). */
  startPool: (row: RunnerRow) => boolean;
}

const transitions = {
  delete: {
    action: "runner.delete",
    to: "deleting",
    statusMessage: null,
    from: ["provisioning", "active", "suspended", "error"],
    startPool: () => true,
  },
  suspend: {
    action: "runner.suspend",
    to: "suspended",
    statusMessage: "suspended through the API",
    from: ["provisioning", "active", "error"],
    startPool: () => false,
  },
  resume: {
    action: "runner.resume",
    to: "active",
    statusMessage: null,
    from: ["suspended", "error"],
    startPool: (row) => row.min_idle > 0 || row.prewarm_max_idle !== null,
  },
} as const satisfies Record<string, Transition>;

export function createRunnerWrites(deps: RunnerServiceDeps) {
  const { db, authorize, pools } = deps;

  /** Tells the pool after the commit; the change stands even if Temporal is away. */
  const notifyPool = (row: RunnerRow, start: boolean, context: HandlerContext) =>
    notifyPools(pools, [row.id], { start }, requestInfo(context).logger);

  const transition = async (
    id: string,
    change: Transition,
    caller: Caller,
    context: HandlerContext,
  ): Promise<RunnerRow> => {
    const visible = await findRunner(db, id);
    if (visible === undefined) throw notFound("runner", id);
    await authorize(
      caller,
      "runner.write",
      { workspaceId: visible.workspace_id, projectId: visible.project_id },
      "runner",
      id,
    );
    const { requestId } = requestInfo(context);
    const result = await db.transaction().execute(async (trx) => {
      const before = await findRunner(trx, id, { forUpdate: true });
      if (before === undefined) throw notFound("runner", id);
      // Asking again for the state it is in changes nothing and records nothing.
      if (before.status === change.to) return { row: before, changed: false };
      if (!change.from.includes(before.status)) {
        throw failedPrecondition(
          `the runner is ${before.status}; ${change.action.split(".")[1] ?? ""} needs it ${change.from.join(" or ")}`,
        );
      }
      const after = await trx
        .updateTable("runners")
        .set({ status: change.to, status_message: change.statusMessage })
        .where("id", "=", id)
        .returning(runnerColumns)
        .executeTakeFirstOrThrow();
      await writeAudit(trx, {
        actor: caller.subject,
        workspaceId: after.workspace_id,
        objectType: "runner",
        objectId: id,
        action: change.action,
        before,
        after,
        requestId,
      });
      return { row: after, changed: true };
    });
    if (result.changed) await notifyPool(result.row, change.startPool(result.row), context);
    return result.row;
  };

  return {
    async createRunner(
      request: CreateRunnerRequest,
      context: HandlerContext,
    ): Promise<CreateRunnerResponse> {
      const input = parseRequest(createRunnerRequest, { ...request, ...specFields(request.spec) });
      const caller = callerOf(context);
      const { requestId } = requestInfo(context);
      let projectId = input.projectId;
      if (projectId === undefined) {
        // Looked up only for a caller who may know the workspace exists.
        await authorize(caller, "workspace.read", input, "workspace", input.workspaceId);
        projectId = await defaultProjectId(db, input.workspaceId);
      }
      await authorize(
        caller,
        "runner.write",
        { workspaceId: input.workspaceId, projectId },
        "project",
        projectId,
      );
      const row = await db.transaction().execute(async (trx) => {
        await requireProject(trx, input.workspaceId, projectId);
        return insertRunner(trx, { ...input, projectId }, { caller, requestId });
      });
      if (row.min_idle > 0 || row.prewarm_max_idle !== null) await notifyPool(row, true, context);
      return create(CreateRunnerResponseSchema, { runner: toRunner(row) });
    },

    async installRunners(
      request: InstallRunnersRequest,
      context: HandlerContext,
    ): Promise<InstallRunnersResponse> {
      const result = await installRunners(deps, request, context);
      return create(InstallRunnersResponseSchema, result);
    },

    async deleteRunner(
      request: DeleteRunnerRequest,
      context: HandlerContext,
    ): Promise<DeleteRunnerResponse> {
      const input = parseRequest(deleteRunnerRequest, request);
      if (input.force) {
        throw new ConnectError(
          "force is not supported yet: a deleted runner's busy instances finish their jobs",
          Code.Unimplemented,
        );
      }
      const row = await transition(input.id, transitions.delete, callerOf(context), context);
      return create(DeleteRunnerResponseSchema, { runner: toRunner(row) });
    },

    async suspendRunner(
      request: SuspendRunnerRequest,
      context: HandlerContext,
    ): Promise<SuspendRunnerResponse> {
      const { id } = parseRequest(runnerIdRequest, request);
      const row = await transition(id, transitions.suspend, callerOf(context), context);
      return create(SuspendRunnerResponseSchema, { runner: toRunner(row) });
    },

    async resumeRunner(
      request: ResumeRunnerRequest,
      context: HandlerContext,
    ): Promise<ResumeRunnerResponse> {
      const { id } = parseRequest(runnerIdRequest, request);
      const row = await transition(id, transitions.resume, callerOf(context), context);
      return create(ResumeRunnerResponseSchema, { runner: toRunner(row) });
    },
  };
}
