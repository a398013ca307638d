import type { V1Pod, V1Secret, V1Toleration } from "@kubernetes/client-node";
import { hangarLabels, ownershipLabels } from "../labels.js";

// One ephemeral runner as Kubernetes objects: the Pod, and the Secret holding
// its just-in-time registration. Pure functions of the instance, so what a
// runner looks like is decided (and tested) here and nowhere else.

/** The runner reads its registration from this variable (actions/runner). */
export const JIT_CONFIG_ENV = "ACTIONS_RUNNER_INPUT_JITCONFIG";
export const JIT_SECRET_KEY = "jitconfig";
export const RUNNER_CONTAINER = "runner";
/** The uid the actions-runner image's `runner` user has. */
export const RUNNER_UID = 1001;

/** Where spot and GPU runners may run; a cluster's own node labels and taints. */
export interface NodePlacement {
  spot: { nodeSelector: Readonly<Record<string, string>>; tolerations: readonly V1Toleration[] };
  gpu: {
    /** The extended resource a GPU is requested as. */
    resourceName: string;
    nodeSelector: Readonly<Record<string, string>>;
    tolerations: readonly V1Toleration[];
    /** Node label whose value must equal the offering's GPU type; null: any GPU node. */
    typeLabel: string | null;
  };
}

/** Matches the local cluster's nodes and the NVIDIA device plugin's conventions. */
export const defaultNodePlacement: NodePlacement = {
  spot: { nodeSelector: { "hangar.dev/capacity-type": "spot" }, tolerations: [] },
  gpu: {
    resourceName: "nvidia.com/gpu",
    nodeSelector: {},
    tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
    typeLabel: null,
  },
};

export interface RunnerPodInput {
  namespace: string;
  /** Pod name; the JIT Secret is jitSecretName(instanceName). */
  instanceName: string;
  workspaceId: string;
  runnerId: string;
  image: string;
  /** Kubernetes quantity; requests = limits. */
  cpu: string;
  memory: string;
  gpu: { count: number; type: string | null } | null;
  spot: boolean;
  arch: "amd64" | "arm64";
  imagePullSecretNames: string[];
  /** Defaults to defaultNodePlacement. */
  placement?: NodePlacement;
  /**
   * Only for images that write nothing outside /tmp and the work directory.
   * The stock actions-runner image writes its registration files into
   * /home/runner at start, so it needs a writable root (see imageAllowsReadOnlyRoot).
   */
  readOnlyRootFilesystem?: boolean;
  /** The image's runner user; set explicitly because the stock image names it ("runner"), which runAsNonRoot cannot verify. */
  runAsUser?: number;
  /** Defaults to the stock image's entry point. */
  command?: string[];
}

export function jitSecretName(instanceName: string): string {
  return `${instanceName}-jit`;
}

/** Whether an image matches one of the operator's read-only-root image prefixes. */
export function imageAllowsReadOnlyRoot(image: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => prefix !== "" && image.startsWith(prefix));
}

export function runnerLabels(input: {
  workspaceId: string;
  runnerId: string;
  instanceName: string;
}): Record<string, string> {
  return {
    ...ownershipLabels(input.workspaceId, "runner"),
    [hangarLabels.runner]: input.runnerId,
    [hangarLabels.instance]: input.instanceName,
  };
}

export function buildRunnerPod(input: RunnerPodInput): V1Pod {
  const placement = input.placement ?? defaultNodePlacement;
  const gpu = input.gpu !== null && input.gpu.count > 0 ? input.gpu : null;
  const resources: Record<string, string> = { cpu: input.cpu, memory: input.memory };
  if (gpu) resources[placement.gpu.resourceName] = String(gpu.count);

  const nodeSelector: Record<string, string> = { "kubernetes.io/arch": input.arch };
  const tolerations: V1Toleration[] = [];
  if (input.spot) {
    Object.assign(nodeSelector, placement.spot.nodeSelector);
    tolerations.push(...placement.spot.tolerations);
  }
  if (gpu) {
    Object.assign(nodeSelector, placement.gpu.nodeSelector);
    if (placement.gpu.typeLabel !== null && gpu.type !== null)
      nodeSelector[placement.gpu.typeLabel] = gpu.type;
    tolerations.push(...placement.gpu.tolerations);
  }

  const readOnlyRoot = input.readOnlyRootFilesystem ?? false;
  const uid = input.runAsUser ?? RUNNER_UID;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: input.instanceName,
      namespace: input.namespace,
      labels: runnerLabels(input),
    },
    spec: {
      // A JIT config registers exactly once: a restarted container could only fail.
      restartPolicy: "Never",
      // Runners run untrusted workflow code; they get no Kubernetes identity.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      nodeSelector,
      // On-demand runners stay off spot capacity, which may vanish mid-job.
      affinity: input.spot ? undefined : onDemandAffinity(placement),
      tolerations: tolerations.length > 0 ? tolerations : undefined,
      imagePullSecrets:
        input.imagePullSecretNames.length > 0
          ? input.imagePullSecretNames.map((name) => ({ name }))
          : undefined,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: uid,
        // emptyDir volumes are group-writable by fsGroup, so the work dir is writable.
        fsGroup: uid,
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [
        {
          name: RUNNER_CONTAINER,
          image: input.image,
          command: input.command ?? ["/home/runner/run.sh"],
          env: [
            {
              name: JIT_CONFIG_ENV,
              valueFrom: {
                secretKeyRef: { name: jitSecretName(input.instanceName), key: JIT_SECRET_KEY },
              },
            },
          ],
          resources: { requests: resources, limits: { ...resources } },
          securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
            privileged: false,
            readOnlyRootFilesystem: readOnlyRoot,
            runAsNonRoot: true,
          },
          volumeMounts: [
            { name: "work", mountPath: "/home/runner/_work" },
            { name: "tmp", mountPath: "/tmp" },
          ],
        },
      ],
      volumes: [
        { name: "work", emptyDir: {} },
        { name: "tmp", emptyDir: {} },
      ],
    },
  };
}

function onDemandAffinity(placement: NodePlacement): NonNullable<V1Pod["spec"]>["affinity"] {
  const expressions = Object.entries(placement.spot.nodeSelector).map(([key, value]) => ({
    key,
    operator: "NotIn",
    values: [value],
  }));
  if (expressions.length === 0) return undefined;
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: expressions }],
      },
    },
  };
}

/** ownerPod: the created Pod, so the Secret is garbage-collected with it. */
export function buildJitSecret(input: {
  namespace: string;
  instanceName: string;
  workspaceId: string;
  runnerId: string;
  encodedJitConfig: string;
  ownerPod: { name: string; uid: string };
}): V1Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: {
      name: jitSecretName(input.instanceName),
      namespace: input.namespace,
      labels: runnerLabels(input),
      ownerReferences: [
        { apiVersion: "v1", kind: "Pod", name: input.ownerPod.name, uid: input.ownerPod.uid },
      ],
    },
    // Nothing edits a registration after the fact.
    immutable: true,
    data: { [JIT_SECRET_KEY]: Buffer.from(input.encodedJitConfig, "utf8").toString("base64") },
  };
}
