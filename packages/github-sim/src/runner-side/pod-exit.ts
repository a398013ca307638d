import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
} from "@kubernetes/client-node";
import { isNotFound } from "./jit-config.js";

/** Read by the local cluster's kwok stage (packages/devenv/src/kubernetes/kwok-stages.yaml). */
export const EXIT_CODE_ANNOTATION = "hangar.dev/kwok-exit-code";

/**
 * Makes a runner "exit" as its process ending would look from Kubernetes: kwok
 * terminates the container with `exitCode` and the pod becomes Succeeded (0)
 * or Failed. A pod that is already gone has nothing left to exit: not an error.
 */
export async function exitRunnerPod(
  kubeConfig: KubeConfig,
  pod: { namespace: string; podName: string },
  exitCode: number,
): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  try {
    // A merge patch adds the annotation whether or not the pod has any yet.
    await core.patchNamespacedPod(
      {
        name: pod.podName,
        namespace: pod.namespace,
        body: { metadata: { annotations: { [EXIT_CODE_ANNOTATION]: String(exitCode) } } },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
