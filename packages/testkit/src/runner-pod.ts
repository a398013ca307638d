import type { V1Pod } from "@kubernetes/client-node";

/**
 * A pod shaped like an ephemeral runner: it reads its JIT config from the
 * Secret `<name>-jit` (key `jitconfig`) through ACTIONS_RUNNER_INPUT_JITCONFIG,
 * never restarts and mounts no service-account token. `spec` overrides fields
 * of the pod spec (tolerations, node selectors, containers).
 */
export function runnerPod(name: string, spec: Partial<NonNullable<V1Pod["spec"]>> = {}): V1Pod {
  return {
    metadata: { name, labels: { app: "runner" } },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      containers: [
        {
          name: "runner",
          image: "ghcr.io/actions/actions-runner:latest",
          resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "2", memory: "4Gi" } },
          env: [
            {
              name: "ACTIONS_RUNNER_INPUT_JITCONFIG",
              valueFrom: { secretKeyRef: { name: `${name}-jit`, key: "jitconfig" } },
            },
          ],
        },
      ],
      ...spec,
    },
  };
}
