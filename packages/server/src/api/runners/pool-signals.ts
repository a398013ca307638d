import type { Client } from "@temporalio/client";
import { WorkflowNotFoundError } from "@temporalio/common";
import type { Logger } from "../../observability/logger.js";
import { runnerPoolSignals, workflowIds, workflowTypes } from "../../domain/workflow-names.js";

// The API changes a runner configuration's row and then tells its pool workflow to look
// again; the pool, never the API, starts, retires and drains runners (and so touches
// GitHub and Kubernetes). The row is committed first: a pool that misses the signal
// still sees the change at its next periodic look.

export interface PoolSignals {
  /**
   * Asks the configuration's pool to re-read it. `start` also starts a pool that is not
   * running (one that must drain, or keep idle runners); otherwise a pool that is not
   * running has nothing to change and is left alone.
   */
  reconcile(runnerId: string, options: { start: boolean }): Promise<void>;
}

export function temporalPoolSignals(client: Client, taskQueue: string): PoolSignals {
  return {
    async reconcile(runnerId, options) {
      const workflowId = workflowIds.runnerPool(runnerId);
      if (options.start) {
        await client.workflow.signalWithStart(workflowTypes.runnerPool, {
          workflowId,
          taskQueue,
          args: [{ runnerId }],
          signal: runnerPoolSignals.reconcile,
          signalArgs: [],
        });
        return;
      }
      try {
        await client.workflow.getHandle(workflowId).signal(runnerPoolSignals.reconcile);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    },
  };
}

/**
 * Signals pools after a commit. A failed signal is logged, never thrown: the change is
 * committed, and the pool sees it at its next periodic look.
 */
export async function notifyPools(
  pools: PoolSignals,
  runnerIds: readonly string[],
  options: { start: boolean },
  logger: Pick<Logger, "warn">,
): Promise<void> {
  for (const runnerId of runnerIds) {
    try {
      await pools.reconcile(runnerId, options);
    } catch (error) {
      logger.warn(
        { runnerId, error: String(error) },
        "could not signal the runner pool; it sees the change at its next look",
      );
    }
  }
}
