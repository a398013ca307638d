import type { KubeConfig } from "@kubernetes/client-node";
import { exitRunnerPod } from "./runner-side/pod-exit.js";
import { watchRunnerPods } from "./runner-side/pod-watcher.js";
import type { SimContext } from "./state/context.js";
import { podGone, podRunning } from "./state/runner-lifecycle.js";

/**
 * Plays the runner process for pods on a real cluster: a Running pod that
 * holds a JIT config brings its runner online; a pod that goes away takes it
 * offline; a finished job makes the pod exit 0.
 */
export async function startRunnerSide(
  ctx: SimContext,
  kubeConfig: KubeConfig,
): Promise<{ stop(): Promise<void> }> {
  ctx.exitPod = (pod, exitCode) => {
    // The job is already complete in GitHub's view; a pod that cannot be told
    // to exit is left for Hangar's sweeps, as a stuck runner would be.
    exitRunnerPod(kubeConfig, pod, exitCode).catch(() => undefined);
  };
  const watch = await watchRunnerPods(kubeConfig, {
    onRunning: (pod) => {
      podRunning(ctx, pod);
    },
    onGone: (pod) => {
      podGone(ctx, pod);
    },
  });
  return {
    async stop() {
      await watch.stop();
    },
  };
}
