import { tick } from "../assignment.js";
import type { DeliverySender } from "../delivery/sender.js";
import type { InFlight } from "../rate-limit/concurrency.js";
import type { FailureInjector } from "../rate-limit/injected.js";
import type { SimContext } from "../state/context.js";
import {
  addRepositories,
  createInstallation,
  deleteInstallation,
  removeRepositories,
  suspendInstallation,
} from "../state/installations.js";
import { approveEnvironment, cancelJob, cancelRun, queueWorkflowRun } from "../state/jobs.js";
import { pushWorkflowFile } from "../state/pushes.js";
import { createRunnerGroup } from "../state/runners.js";
import {
  connectRunner,
  disconnectRunner,
  holdRunner,
  setRunnerBusy,
} from "../state/runner-lifecycle.js";
import { runnerViews, jobViews, installationViews, deliveryViews } from "./views.js";
import type { SimulatorControl } from "./types.js";

export interface LocalControlDeps {
  ctx: SimContext;
  deliveries: DeliverySender;
  failures: FailureInjector;
  inFlight: InFlight;
}

/** Runs a synchronous state change as the async operation the interface promises; throws become rejections. */
function settle<T>(change: () => T): Promise<T> {
  try {
    return Promise.resolve(change());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

/** The control API acting directly on one simulator's state. */
export function createLocalControl(deps: LocalControlDeps): SimulatorControl {
  const { ctx, deliveries } = deps;
  return {
    createInstallation: (input) => settle(() => createInstallation(ctx, input)),
    suspendInstallation: (id) =>
      settle(() => {
        suspendInstallation(ctx, id, true);
      }),
    unsuspendInstallation: (id) =>
      settle(() => {
        suspendInstallation(ctx, id, false);
      }),
    deleteInstallation: (id) =>
      settle(() => {
        deleteInstallation(ctx, id);
      }),
    addRepositories: (id, names) =>
      settle(() => {
        addRepositories(ctx, id, names);
      }),
    removeRepositories: (id, names) =>
      settle(() => {
        removeRepositories(ctx, id, names);
      }),
    pushWorkflowFile: (input) => settle(() => pushWorkflowFile(ctx, input)),
    createRunnerGroup: (org, name) => settle(() => createRunnerGroup(ctx, org, name)),
    queueWorkflowRun: (input) =>
      settle(() => {
        const queued = queueWorkflowRun(ctx, input);
        tick(ctx);
        return queued;
      }),
    approveEnvironment: (jobId) =>
      settle(() => {
        approveEnvironment(ctx, jobId);
        tick(ctx);
      }),
    cancelJob: (jobId) =>
      settle(() => {
        cancelJob(ctx, jobId);
      }),
    cancelRun: (runId) =>
      settle(() => {
        cancelRun(ctx, runId);
      }),
    connectRunner: (name) =>
      settle(() => {
        connectRunner(ctx, name);
      }),
    disconnectRunner: (name) =>
      settle(() => {
        disconnectRunner(ctx, name);
      }),
    holdRunner: (name, held = true) =>
      settle(() => {
        holdRunner(ctx, name, held);
      }),
    setRunnerBusy: (name, busy) =>
      settle(() => {
        setRunnerBusy(ctx, name, busy);
      }),
    tick: () =>
      settle(() => {
        tick(ctx);
      }),
    runners: (owner) => settle(() => runnerViews(ctx, owner)),
    jobs: () => settle(() => jobViews(ctx)),
    installations: () => settle(() => installationViews(ctx)),
    deliveries: () => settle(() => deliveryViews(deliveries)),
    drainDeliveries: () => deliveries.drain(),
    setWebhookUrl: (url) =>
      settle(() => {
        deliveries.setUrl(url ?? undefined);
      }),
    setChaos: (options) =>
      settle(() => {
        deliveries.chaos.set(options);
      }),
    chaosNext: (options) =>
      settle(() => {
        deliveries.chaos.setNext(options);
      }),
    failNext: (input) =>
      settle(() => {
        deps.failures.add(input);
      }),
    holdRequests: (held) =>
      settle(() => {
        deps.inFlight.hold(held);
      }),
  };
}
