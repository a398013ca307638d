import { defineQuery, defineSignal } from "@temporalio/workflow";
import type {
  InstanceAssignment,
  InstanceReport,
  PoolDemand,
  PoolStatus,
} from "../domain/runner-pool.js";
import { runnerInstanceSignals, runnerPoolSignals } from "../domain/workflow-names.js";

// The signals (and the pool's status query) between the runner pool and its instances, in a module of their own
// because each workflow sends the other's.

export const poolDemandSignal = defineSignal<[PoolDemand]>(runnerPoolSignals.demand);
export const poolInstanceSignal = defineSignal<[InstanceReport]>(runnerPoolSignals.instance);
export const poolReconcileSignal = defineSignal(runnerPoolSignals.reconcile);

export const instanceRetireSignal = defineSignal(runnerInstanceSignals.retire);
export const instanceAssignedSignal = defineSignal<[InstanceAssignment]>(
  runnerInstanceSignals.assigned,
);

/** What the pool holds right now: for operators (and tests) to look at. */
export const poolStatusQuery = defineQuery<PoolStatus>("status");
