// What a runner instance is called, what it registers as, and how its life ended.
// Shared by the pool and instance workflows and their activities.

/** Kubernetes object names and label values: at most 63 characters. */
const MAX_NAME = 63;
/** 48 random bits: a collision within one runner configuration is not worth planning for. */
const SUFFIX_LENGTH = 12;

/**
 * `<runner name>-<12 hex digits>`, from a uuid the pool workflow draws from its
 * deterministic random source, so a replay names the same instance. The name is the
 * Pod's, the GitHub runner's and part of the instance workflow's id; the runner name
 * is shortened when needed to keep the whole within 63 characters.
 */
export function runnerInstanceName(runnerName: string, uuid: string): string {
  const prefix = runnerName.slice(0, MAX_NAME - SUFFIX_LENGTH - 1).replace(/-+$/, "");
  return `${prefix}-${instanceNameSuffix(uuid)}`;
}

/** The part of an instance's name that `uuid` makes: what follows its last hyphen. */
export function instanceNameSuffix(uuid: string): string {
  return uuid
    .replace(/[^0-9a-f]/gi, "")
    .toLowerCase()
    .slice(0, SUFFIX_LENGTH);
}

/**
 * Marks Hangar's runners among an organisation's self-hosted runners, for sweeps of
 * runners left behind. GitHub adds its default labels (self-hosted, OS, arch) itself.
 */
export const HANGAR_CONTROLLER_LABEL = "hangar-managed";

/** GitHub accepts 1–100 labels per runner. */
const MAX_RUNNER_LABELS = 100;

/**
 * The labels a runner registers with: the configuration's name (its runs-on label),
 * its other labels, and the controller label when GitHub's limit leaves room for it.
 */
export function jitRunnerLabels(configuration: {
  name: string;
  labels: readonly string[];
}): string[] {
  const labels = [...new Set([configuration.name, ...configuration.labels])];
  if (labels.length < MAX_RUNNER_LABELS && !labels.includes(HANGAR_CONTROLLER_LABEL)) {
    labels.push(HANGAR_CONTROLLER_LABEL);
  }
  return labels;
}

/**
 * How an instance's life ended, as the pool counts it:
 * - completed: it ran its job (the pod exited 0, or GitHub removed the ephemeral runner);
 * - retired: the pool (or a cancellation) removed it before it took a job;
 * - failed-start: it never took a job: the pod failed or vanished, registration timed
 *   out, or launching failed. These count towards the configuration's failed starts;
 * - lost: its pod ended while it ran a job; the job's record points at this reason, and
 *   `disruption` says why when Kubernetes took the pod away (the job may be re-run);
 * - disrupted: Kubernetes took the pod away before it ran a job (preemption, a node
 *   shutdown or gone): neither the configuration's fault nor proof that it works;
 * - refused: not started at all (the workspace's quota, a configuration gone).
 */
export type InstanceOutcome =
  | { kind: "completed"; jobId: number | null }
  | { kind: "retired"; registered: boolean }
  | { kind: "failed-start"; reason: string }
  | { kind: "lost"; reason: string; jobId: number | null; disruption?: string | null }
  | { kind: "disrupted"; reason: string; disruption: string; registered: boolean }
  | { kind: "refused"; reason: string };

/** Whether the outcome proves the configuration can start runners (resets failed starts). */
export function provesStart(outcome: InstanceOutcome): boolean {
  switch (outcome.kind) {
    case "completed":
    case "lost":
      return true;
    case "retired":
    case "disrupted":
      return outcome.registered;
    case "failed-start":
    case "refused":
      return false;
    default: {
      const unknown: never = outcome;
      throw new Error(`unknown instance outcome ${JSON.stringify(unknown)}`);
    }
  }
}
