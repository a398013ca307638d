import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from "@temporalio/workflow";
import type {
  InstallArgs,
  InstallationIdArgs,
  RepositoriesChangedArgs,
} from "../domain/signal-args.js";
import { installationSignals } from "../domain/workflow-names.js";
import type { InstallationActivities } from "../activities/installation.js";
import type { RunnerSideActivities } from "../activities/runner-side.js";

// One long-lived workflow per installation, started by whichever of its events comes
// first. Signal handlers only queue commands; one loop applies them in arrival order,
// so nothing received while an activity runs is lost, and the loop continues as new
// (carrying the state) before the history grows large.

export const installSignal = defineSignal<[InstallArgs]>(installationSignals.install);
export const uninstallSignal = defineSignal<[InstallationIdArgs]>(installationSignals.uninstall);
export const suspendSignal = defineSignal<[InstallationIdArgs]>(installationSignals.suspend);
export const unsuspendSignal = defineSignal<[InstallationIdArgs]>(installationSignals.unsuspend);
export const permissionsAcceptedSignal = defineSignal<[InstallationIdArgs]>(
  installationSignals.permissionsAccepted,
);
export const addRepositoriesSignal = defineSignal<[RepositoriesChangedArgs]>(
  installationSignals.addRepositories,
);
export const removeRepositoriesSignal = defineSignal<[RepositoriesChangedArgs]>(
  installationSignals.removeRepositories,
);

export type InstallationStatus = "unknown" | "installed" | "suspended" | "deleted";

/** What survives continue-as-new. */
export interface InstallationState {
  installationId: number | null;
  status: InstallationStatus;
  /** Runs of this workflow so far, for visibility in tests and the UI. */
  generation: number;
}

export const installationStateQuery = defineQuery<InstallationState>("installationState");

type Command =
  | { kind: "install"; args: InstallArgs }
  | { kind: "uninstall" | "suspend" | "unsuspend" | "sync"; installationId: number }
  | { kind: "add" | "remove"; args: RepositoriesChangedArgs };

const activities = proxyActivities<InstallationActivities & RunnerSideActivities>({
  startToCloseTimeout: "1 minute",
  retry: { initialInterval: "1 second", maximumInterval: "1 minute" },
});

// A sync that keeps failing (GitHub down, installation gone) waits for the next one.
const { syncRepositories } = proxyActivities<InstallationActivities>({
  startToCloseTimeout: "5 minutes",
  retry: { initialInterval: "2 seconds", maximumAttempts: 5 },
});

// Bounded too: while GitHub cannot be asked, later signals must not wait behind it.
const { readInstallationSuspension } = proxyActivities<InstallationActivities>({
  startToCloseTimeout: "1 minute",
  retry: { initialInterval: "2 seconds", maximumAttempts: 5 },
});

export async function installationWorkflow(
  carried?: InstallationState,
): Promise<InstallationState> {
  const state: InstallationState = carried
    ? { ...carried, generation: carried.generation + 1 }
    : { installationId: null, status: "unknown", generation: 0 };
  const inbox: Command[] = [];
  const enqueue = (command: Command) => {
    inbox.push(command);
  };
  setHandler(installSignal, (args) => {
    enqueue({ kind: "install", args });
  });
  setHandler(uninstallSignal, ({ installationId }) => {
    enqueue({ kind: "uninstall", installationId });
  });
  setHandler(suspendSignal, ({ installationId }) => {
    enqueue({ kind: "suspend", installationId });
  });
  setHandler(unsuspendSignal, ({ installationId }) => {
    enqueue({ kind: "unsuspend", installationId });
  });
  setHandler(permissionsAcceptedSignal, ({ installationId }) => {
    enqueue({ kind: "sync", installationId });
  });
  setHandler(addRepositoriesSignal, (args) => {
    enqueue({ kind: "add", args });
  });
  setHandler(removeRepositoriesSignal, (args) => {
    enqueue({ kind: "remove", args });
  });
  setHandler(installationStateQuery, () => state);

  const settings = await activities.getInstallationSettings();
  let handled = 0;
  for (;;) {
    const command = inbox.shift();
    if (command !== undefined) {
      await apply(state, command);
      handled += 1;
      continue;
    }
    if (state.status === "deleted") {
      // Final: absorb late duplicates for a while, then end.
      const more = await condition(() => inbox.length > 0, settings.deletedGraceMs);
      if (!more) return state;
      continue;
    }
    if (handled >= settings.maxSignalsPerRun || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      // A signal that arrived meanwhile is handled here; the next one in the new run.
      if (inbox.length === 0) return continueAsNew<typeof installationWorkflow>(state);
      continue;
    }
    const woke = await condition(() => inbox.length > 0, settings.syncIntervalMs);
    if (!woke && state.status === "installed" && state.installationId !== null) {
      inbox.push({ kind: "sync", installationId: state.installationId });
    }
  }
}

async function apply(state: InstallationState, command: Command): Promise<void> {
  const id = "args" in command ? command.args.installationId : command.installationId;
  state.installationId = id;
  // Deleted is final: a late install, suspend or repository change must not revive it.
  if (state.status === "deleted" && command.kind !== "uninstall") return;
  switch (command.kind) {
    case "install":
      await activities.upsertInstallation(command.args);
      // A duplicate `created` after a suspend leaves the installation suspended.
      if (state.status === "unknown") state.status = "installed";
      if (state.status === "installed") {
        await activities.prepareInstallation(id);
        await sync(id);
      }
      return;
    case "uninstall":
      await activities.setInstallationState(id, "deleted");
      await activities.teardownInstallation(id);
      state.status = "deleted";
      return;
    case "suspend":
    case "unsuspend": {
      if (!patched(SUSPENSION_FROM_GITHUB)) {
        await recordSuspension(state, id, asSignalled(command.kind));
        return;
      }
      // GitHub delivers suspend and unsuspend in any order: applied as they arrive, a
      // swapped pair would leave the installation suspended. Either one is a cue to
      // record GitHub's current state instead, unless that is recorded already.
      const observed = await currentSuspension(id, command.kind);
      if (observed.state === "gone") return; // Its `deleted` event ends the workflow.
      const recorded = observed.state === "suspended" ? "suspended" : "installed";
      if (state.status !== recorded) {
        await recordSuspension(state, id, observed);
      } else if (observed.state === "suspended" && observed.suspendedAt !== undefined) {
        // Suspended again since it was recorded (an unsuspend in between arrived late):
        // only the time moves. Nothing to tear down twice.
        await activities.setInstallationState(id, "suspended", observed.suspendedAt);
      }
      return;
    }
    case "sync":
      await sync(id);
      return;
    case "add":
      await activities.applyRepositoryChanges({
        installationId: id,
        added: command.args.repositories,
        removed: [],
      });
      return;
    case "remove":
      await activities.applyRepositoryChanges({
        installationId: id,
        added: [],
        removed: command.args.repositories,
      });
      return;
    default: {
      const unreachable: never = command;
      throw new Error(`unknown command ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * Marks runs that record GitHub's suspension state on suspend and unsuspend. Runs
 * recorded before that applied each signal as sent, and replay as they ran.
 */
export const SUSPENSION_FROM_GITHUB = "suspension-from-github";

/** GitHub's word, or the signal's when GitHub cannot be asked (no suspended_at then). */
type Recordable = { state: "active" } | { state: "suspended"; suspendedAt?: string };
type Suspension = Recordable | { state: "gone" };

const asSignalled = (kind: "suspend" | "unsuspend"): Recordable =>
  kind === "suspend" ? { state: "suspended" } : { state: "active" };

async function recordSuspension(
  state: InstallationState,
  id: number,
  observed: Recordable,
): Promise<void> {
  if (observed.state === "suspended") {
    await activities.setInstallationState(id, "suspended", observed.suspendedAt);
    // A suspended installation cannot mint tokens, so its runners are useless.
    await activities.teardownInstallation(id);
    state.status = "suspended";
    return;
  }
  await activities.setInstallationState(id, "active");
  await activities.prepareInstallation(id);
  state.status = "installed";
  await sync(id);
}

async function currentSuspension(
  installationId: number,
  signalled: "suspend" | "unsuspend",
): Promise<Suspension> {
  try {
    return await readInstallationSuspension(installationId);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn("reading the installation from GitHub failed; applying the signal as sent", {
      installationId,
      signalled,
      error: error.message,
    });
    return asSignalled(signalled);
  }
}

async function sync(installationId: number): Promise<void> {
  try {
    await syncRepositories(installationId);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.warn("repository sync failed; the next one will retry", {
      installationId,
      error: error.message,
    });
  }
}
