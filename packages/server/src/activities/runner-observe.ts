import type { V1Pod } from "@kubernetes/client-node";
import { disruptionTarget, podDisruption } from "../domain/pod-disruption.js";
import { GitHubError, GitHubNotFoundError } from "../github/errors.js";
import type { GitHubApp, Runner, RunnerScope } from "../github/types.js";
import type { Cluster } from "../kubernetes/cluster.js";
import type { Logger } from "../observability/logger.js";
import { asActivityError, pause } from "./activity-context.js";
import { createRunnerStatusSource, type RunnerStatusSource } from "./runner-status.js";

// Watching one runner until something changes: its pod (a cheap read of the cluster,
// every few seconds) and its GitHub runner (from a listing of the organisation's
// runners shared by all watches, less often: GitHub limits calls per endpoint). One
// long-running activity per phase, heartbeating on every look: a worker that dies
// mid-watch is noticed within the heartbeat timeout and the watch resumes elsewhere,
// and the workflow can cancel it (an idle runner being retired). It only observes,
// so running it twice is harmless.

/**
 * - registration: from launch until GitHub shows the runner online (or it takes a job);
 * - job: an idle runner, until it takes a job;
 * - end: a busy runner, until its pod ends (the runner exits after its one job).
 */
export type RunnerWatch = "registration" | "job" | "end";

export type RunnerObservation =
  | { kind: "registered" }
  | { kind: "busy" }
  | {
      kind: "pod-ended";
      phase: "Succeeded" | "Failed" | "Missing";
      detail: string;
      /**
       * Why Kubernetes took the pod away (domain/pod-disruption.ts); null when nothing
       * says it did (deleted, or its runner exited). Absent from observations recorded
       * before disruptions were told apart.
       */
      disruption?: string | null;
    }
  | { kind: "runner-gone" }
  | { kind: "deadline" };

export type ObserveRunnerInput = {
  instanceName: string;
  namespace: string;
  installationId: number;
  scope: RunnerScope;
  githubRunnerId: number;
  watch: RunnerWatch;
  /** Epoch ms after which the watch gives up (the bootstrap timeout); null: none. */
  deadlineMs: number | null;
  podPollMs: number;
  githubPollMs: number;
};

/** While a runner is busy GitHub is asked only rarely: its pod says when the job is over. */
const BUSY_GITHUB_FACTOR = 12;
/** How long a pod may keep running after GitHub removed its runner (see observeRunner). */
const RUNNER_GONE_GRACE_MS = 10_000;

/** Why a pod ended, in words for the instance's failure reason. */
export function describePodEnd(pod: V1Pod | null): string {
  if (pod === null) return "the pod was deleted";
  if (pod.metadata?.deletionTimestamp != null) return "the pod is being deleted";
  const status = pod.status;
  const parts = [`the pod ${status?.phase === "Succeeded" ? "exited" : "failed"}`];
  if (status?.reason)
    parts.push(`(${status.reason}${status.message ? `: ${status.message}` : ""})`);
  const terminated = status?.containerStatuses?.find((c) => c.state?.terminated)?.state?.terminated;
  if (terminated) {
    parts.push(
      `with exit code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ""}`,
    );
  }
  return parts.join(" ");
}

/**
 * The pod's end, if it has ended. `lastSeen` is the pod as the previous look found it:
 * once a pod is gone, only that says which node it ran on. A pod Kubernetes has marked
 * for disruption (DisruptionTarget) has ended as far as its runner is concerned, even if
 * it still shows Running: Kubernetes sets the condition just before it terminates the
 * pod, and a preempted pod may vanish between two looks.
 */
async function podEnd(
  pod: V1Pod | null,
  lastSeen: V1Pod | null,
  nodeGone: (name: string) => Promise<boolean>,
): Promise<RunnerObservation | null> {
  const phase = pod?.status?.phase;
  const deleting = pod === null || pod.metadata?.deletionTimestamp != null;
  const ended = deleting || phase === "Succeeded" || phase === "Failed";
  if (!ended) {
    const target = disruptionTarget(pod);
    if (target === null) return null;
    return {
      kind: "pod-ended",
      phase: "Missing",
      detail: `the pod was disrupted (${target})`,
      disruption: target,
    };
  }
  if (phase === "Succeeded" && !deleting) {
    return { kind: "pod-ended", phase, detail: describePodEnd(pod), disruption: null };
  }
  const nodeName = pod?.spec?.nodeName ?? lastSeen?.spec?.nodeName;
  let disruption = podDisruption(pod ?? lastSeen, null);
  if (disruption === null && deleting && nodeName !== undefined && (await nodeGone(nodeName))) {
    disruption = podDisruption(null, { name: nodeName, gone: true });
  }
  return {
    kind: "pod-ended",
    phase: deleting ? "Missing" : "Failed",
    detail: disruption === null ? describePodEnd(pod) : `the pod was disrupted (${disruption})`,
    disruption,
  };
}

function runnerChange(watch: RunnerWatch, runner: Runner | null): RunnerObservation | null {
  if (runner === null) return { kind: "runner-gone" };
  if (watch === "end") return null;
  if (runner.busy) return { kind: "busy" };
  if (watch === "registration" && runner.status === "online") return { kind: "registered" };
  return null;
}

export function createRunnerObserveActivities(deps: {
  github: GitHubApp | null;
  cluster: Cluster;
  logger?: Logger;
  now?: () => number;
}) {
  const { cluster } = deps;
  const now = deps.now ?? Date.now;

  /** Whether the node is gone; a node that cannot be read (no permission) is not. */
  async function nodeGone(name: string): Promise<boolean> {
    try {
      return (await cluster.readNode(name)) === null;
    } catch (error) {
      deps.logger?.warn({ node: name, error: String(error) }, "could not read the runner's node");
      return false;
    }
  }
  const status: RunnerStatusSource | null =
    deps.github === null ? null : createRunnerStatusSource({ github: deps.github, now });

  /** The runner, null when GitHub no longer lists it, undefined when GitHub could not say. */
  /**
   * The first look of a watch asks for the runner by id (one point); later looks share
   * a listing begun after the watch did, so a burst of watches costs one listing per
   * poll interval instead of one call per runner.
   */
  async function readRunner(
    input: ObserveRunnerInput,
    notBefore: number | null,
  ): Promise<Runner | null | undefined> {
    if (deps.github === null || status === null) {
      throw new Error("no GitHub client configured for this worker");
    }
    try {
      if (notBefore === null) {
        return await deps.github
          .installation(input.installationId)
          .getRunner(input.scope, input.githubRunnerId);
      }
      return await status.read({
        installationId: input.installationId,
        scope: input.scope,
        runnerId: input.githubRunnerId,
        notBefore,
      });
    } catch (error) {
      if (error instanceof GitHubNotFoundError) return null;
      // A rate limit or an outage delays the answer; the pod is still watched meanwhile.
      if (error instanceof GitHubError && error.retryable) {
        deps.logger?.warn(
          { instance: input.instanceName, error: error.message },
          "runner look failed",
        );
        return undefined;
      }
      throw asActivityError(error);
    }
  }

  return {
    async observeRunner(input: ObserveRunnerInput): Promise<RunnerObservation> {
      const githubEvery =
        input.watch === "end" ? input.githubPollMs * BUSY_GITHUB_FACTOR : input.githubPollMs;
      // Only listings begun after the watch began surely see the runner launched before it.
      const began = now();
      let looked = false;
      let nextGitHubLook = input.watch === "end" ? began + githubEvery : began;
      let goneSince: number | null = null;
      let lastSeen: V1Pod | null = null;
      for (;;) {
        const pod = await cluster.readPod(input.namespace, input.instanceName);
        const ended = await podEnd(pod, lastSeen, nodeGone);
        if (ended !== null) return ended;
        lastSeen = pod;
        // GitHub forgets an ephemeral runner when its job is done, a moment before the
        // pod exits: the pod gets a grace period to say "done" before "gone" is reported.
        if (goneSince !== null && now() - goneSince >= RUNNER_GONE_GRACE_MS) {
          return { kind: "runner-gone" };
        }
        if (goneSince === null && now() >= nextGitHubLook) {
          nextGitHubLook = now() + githubEvery;
          const runner = await readRunner(
            input,
            looked ? Math.max(began, now() - githubEvery) : null,
          );
          looked = true;
          const change = runner === undefined ? null : runnerChange(input.watch, runner);
          if (change?.kind === "runner-gone") goneSince = now();
          else if (change !== null) return change;
        }
        if (goneSince === null && input.deadlineMs !== null && now() >= input.deadlineMs) {
          return { kind: "deadline" };
        }
        await pause(input.podPollMs);
      }
    },
  };
}

export type RunnerObserveActivities = ReturnType<typeof createRunnerObserveActivities>;
