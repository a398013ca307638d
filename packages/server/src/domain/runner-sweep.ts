// The runner sweep's rules, pure so they can be tested as tables. The pool and instance
// workflows clean up after themselves; the sweep catches what they cannot: a runner
// registered by an attempt that died before it was recorded, a pod whose runner never
// came, an instance whose workflow was terminated (termination skips teardown), and
// anything stuck past any sensible deadline. Each rule is chosen to be safe against the
// races of a live system: it acts only on things old enough that no workflow step can
// still be about to use them, and never on what it could not see.

import { HANGAR_CONTROLLER_LABEL } from "./runner-instance.js";

/** Where a GitHub runner is registered (the GitHub client's RunnerScope, structurally). */
export type RunnerScope =
  { readonly org: string } | { readonly owner: string; readonly repo: string };

export type SweepInstanceState =
  "pending" | "registering" | "idle" | "busy" | "terminating" | "terminated" | "failed";

export interface SweepPod {
  namespace: string;
  name: string;
  /** The hangar.dev/runner-instance label; null on a pod that lost it. */
  instanceName: string | null;
  installationId: number | null;
  createdAtMs: number;
  /** Succeeded, Failed or being deleted. */
  ended: boolean;
}

export interface SweepGitHubRunner {
  installationId: number;
  scope: RunnerScope;
  id: number;
  name: string;
  labels: readonly string[];
  busy: boolean;
}

export interface SweepInstance {
  name: string;
  state: SweepInstanceState;
  namespace: string;
  installationId: number;
  /** When the row last changed state. */
  updatedAtMs: number;
  /** Whether `runner-<name>` is running in Temporal; null when not asked (terminal rows). */
  workflowRunning: boolean | null;
}

export interface SweepInput {
  nowMs: number;
  pods: readonly SweepPod[];
  /** GitHub runners of the installations listed successfully. */
  runners: readonly SweepGitHubRunner[];
  /** Installations whose runner list could be read: no runner is presumed absent elsewhere. */
  listedInstallations: ReadonlySet<number>;
  instances: readonly SweepInstance[];
  settings: SweepSettings;
}

export interface SweepSettings {
  bootstrapTimeoutMs: number;
  idleTimeoutMs: number;
  /** Slack on every deadline, so the sweep never races the workflow doing the same. */
  graceMs: number;
  /** A job may run this long on a self-hosted runner (GitHub: 5 days). */
  maxJobMs: number;
}

export const defaultSweepSettings: SweepSettings = {
  bootstrapTimeoutMs: 5 * 60_000,
  idleTimeoutMs: 5 * 60_000,
  graceMs: 2 * 60_000,
  maxJobMs: 5 * 24 * 60 * 60_000,
};

export type SweepAction =
  | { kind: "delete-pod"; namespace: string; name: string; reason: string }
  | {
      kind: "delete-github-runner";
      installationId: number;
      scope: RunnerScope;
      runnerId: number;
      name: string;
      reason: string;
    }
  /** The workflow is gone: tear down in its place and close the record. */
  | { kind: "abandon-instance"; instance: SweepInstance; reason: string }
  /** The workflow runs but is stuck: cancel it, so its own teardown runs. */
  | { kind: "cancel-instance"; instanceName: string; reason: string };

export interface SweepPlan {
  actions: SweepAction[];
  /** Orphan runners left alone because GitHub says they run a job (422 otherwise). */
  skippedBusyRunners: number;
}

const liveStates: ReadonlySet<SweepInstanceState> = new Set([
  "pending",
  "registering",
  "idle",
  "busy",
  "terminating",
]);

export function isLiveInstanceState(state: SweepInstanceState): boolean {
  return liveStates.has(state);
}

/** How long an instance may stay in a state while its workflow runs. */
export function stateDeadlineMs(state: SweepInstanceState, settings: SweepSettings): number | null {
  switch (state) {
    case "pending":
    case "registering":
      return settings.bootstrapTimeoutMs + settings.graceMs;
    case "idle":
      return settings.idleTimeoutMs + settings.graceMs;
    case "busy":
      return settings.maxJobMs + settings.graceMs;
    case "terminating":
      // Teardown retries a busy GitHub runner for the 10–15 minutes GitHub may keep it.
      return 30 * 60_000;
    case "terminated":
    case "failed":
      return null;
    default: {
      const unknown: never = state;
      throw new Error(`unknown instance state ${String(unknown)}`);
    }
  }
}

const key = (installationId: number, name: string): string => `${installationId}/${name}`;

export function planRunnerSweep(input: SweepInput): SweepPlan {
  const { nowMs, settings } = input;
  const actions: SweepAction[] = [];
  const instances = new Map(input.instances.map((instance) => [instance.name, instance]));
  const runnersByName = new Map(input.runners.map((r) => [key(r.installationId, r.name), r]));
  const abandoned = new Set<string>();

  // Instances first: one whose workflow is gone is torn down as a whole, so the pod
  // and runner rules below need not also act on its pieces.
  for (const instance of input.instances) {
    if (!isLiveInstanceState(instance.state)) continue;
    const age = nowMs - instance.updatedAtMs;
    if (instance.workflowRunning === false) {
      if (age < settings.graceMs) continue; // its workflow may just be starting
      abandoned.add(instance.name);
      actions.push({
        kind: "abandon-instance",
        instance,
        reason: `instance ${instance.state} but its workflow is not running`,
      });
      continue;
    }
    const deadline = stateDeadlineMs(instance.state, settings);
    if (instance.workflowRunning === true && deadline !== null && age > deadline) {
      actions.push({
        kind: "cancel-instance",
        instanceName: instance.name,
        reason: `instance ${instance.state} for ${Math.round(age / 1000)} s`,
      });
    }
  }

  for (const pod of input.pods) {
    if (pod.instanceName !== null && abandoned.has(pod.instanceName)) continue;
    const age = nowMs - pod.createdAtMs;
    const instance = pod.instanceName === null ? undefined : instances.get(pod.instanceName);
    if (instance === undefined || !isLiveInstanceState(instance.state)) {
      if (age > settings.graceMs) {
        actions.push({
          kind: "delete-pod",
          namespace: pod.namespace,
          name: pod.name,
          reason: instance === undefined ? "no instance record" : `instance ${instance.state}`,
        });
      }
      continue;
    }
    if (pod.ended || instance.state === "busy") continue; // its workflow is on it
    if (pod.installationId === null || !input.listedInstallations.has(pod.installationId)) {
      continue;
    }
    const registered = runnersByName.has(key(pod.installationId, pod.name));
    if (!registered && age > settings.bootstrapTimeoutMs + settings.graceMs) {
      actions.push({
        kind: "delete-pod",
        namespace: pod.namespace,
        name: pod.name,
        reason: "no GitHub runner after the bootstrap timeout",
      });
    }
  }

  let skippedBusyRunners = 0;
  for (const runner of input.runners) {
    if (!runner.labels.some((label) => label.toLowerCase() === HANGAR_CONTROLLER_LABEL)) continue;
    if (abandoned.has(runner.name)) continue;
    const instance = instances.get(runner.name);
    if (instance !== undefined && isLiveInstanceState(instance.state)) continue;
    if (runner.busy) {
      skippedBusyRunners += 1;
      continue;
    }
    actions.push({
      kind: "delete-github-runner",
      installationId: runner.installationId,
      scope: runner.scope,
      runnerId: runner.id,
      name: runner.name,
      reason: instance === undefined ? "no instance record" : `instance ${instance.state}`,
    });
  }
  return { actions, skippedBusyRunners };
}
