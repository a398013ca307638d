import { ApplicationFailure } from "@temporalio/activity";
import type { V1Pod, V1Secret } from "@kubernetes/client-node";
import type { Kysely } from "kysely";
import { GitHubRunnerBusyError } from "../github/errors.js";
import type {
  GitHubApp,
  GitHubInstallation,
  JitConfigResult,
  RunnerScope,
} from "../github/types.js";
import {
  buildJitSecret,
  buildRunnerPod,
  imageAllowsReadOnlyRoot,
  jitSecretName,
  type NodePlacement,
} from "../kubernetes/builders/runner-pod.js";
import type { Cluster } from "../kubernetes/cluster.js";
import type { RunnerMetrics } from "../observability/metrics-runners.js";
import type { Database } from "../storage/schema.js";
import { asActivityError, withHeartbeats } from "./activity-context.js";
import { createRunnerGroupChoice, type RunnerGroupChoice } from "./runner-groups.js";
import type { RunnerInstanceSpec } from "./runner-instances.js";

// Starting and removing one runner: its Pod, its just-in-time registration with GitHub
// and the Secret that carries the registration into the Pod. Each step is safe to run
// again after a crash at any point: the Pod is created only if absent, a registration
// left by an earlier attempt is taken over when its runner is online or busy (its config
// reached the Pod), else replaced (its config was never stored, or was stored in a
// Secret that is replaced with it), and the instance row records when all is done.

export interface RunnerPodOptions {
  /** Where spot and GPU runners may run (the cluster's node labels and taints). */
  placement?: NodePlacement;
  /** Image prefixes whose runners work with a read-only root filesystem. */
  readOnlyRootImages?: readonly string[];
}

export type Launched = {
  githubRunnerId: number;
  /** True when an earlier attempt had finished the launch already. */
  resumed: boolean;
};

export type PodRef = { namespace: string; instanceName: string };

export type RunnerRef = {
  installationId: number;
  scope: RunnerScope | null;
  githubRunnerId: number | null;
  instanceName: string;
};

export function podHasEnded(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return phase === "Succeeded" || phase === "Failed" || pod.metadata?.deletionTimestamp != null;
}

/** The instance's Pod, as the launch creates it (whoever creates it first). */
export function runnerPodOf(spec: RunnerInstanceSpec, pods: RunnerPodOptions = {}): V1Pod {
  return buildRunnerPod({
    namespace: spec.namespace,
    instanceName: spec.instanceName,
    workspaceId: spec.workspaceId,
    runnerId: spec.runnerId,
    image: spec.image,
    cpu: spec.cpu,
    memory: spec.memory,
    gpu: spec.gpu,
    spot: spec.spot,
    arch: spec.arch,
    imagePullSecretNames: spec.imagePullSecretNames,
    ...(pods.placement === undefined ? {} : { placement: pods.placement }),
    readOnlyRootFilesystem: imageAllowsReadOnlyRoot(spec.image, pods.readOnlyRootImages ?? []),
  });
}

export function createRunnerLaunchActivities(deps: {
  db: Kysely<Database>;
  /** Null where no GitHub client is configured: launching fails. */
  github: GitHubApp | null;
  cluster: Cluster;
  pods?: RunnerPodOptions;
  metrics?: RunnerMetrics;
  /** The runner group choice, shared with the groups' upkeep; one of its own otherwise. */
  groups?: RunnerGroupChoice;
}) {
  const { db, cluster } = deps;
  const installation = (installationId: number): GitHubInstallation => {
    if (deps.github === null) throw new Error("no GitHub client configured for this worker");
    return deps.github.installation(installationId);
  };
  const groups = deps.groups ?? createRunnerGroupChoice({ db, installation });

  /** An immutable Secret cannot be updated: one from an earlier attempt is replaced. */
  async function putSecret(secret: V1Secret): Promise<void> {
    const first = await cluster.create(secret);
    if (first.result === "created") return;
    await cluster.delete(
      {
        apiVersion: "v1",
        kind: "Secret",
        namespace: secret.metadata?.namespace,
        name: secret.metadata?.name ?? "",
      },
      first.object.metadata?.uid === undefined ? {} : { uid: first.object.metadata.uid },
    );
    const second = await cluster.create(secret);
    if (second.result !== "created") {
      throw new Error(`secret ${secret.metadata?.name ?? ""} was recreated concurrently`);
    }
  }

  /**
   * Registers the instance's runner. Only an earlier attempt of ours registers this
   * name, so a name taken is that attempt's registration, whose answer was lost: if its
   * runner is online or busy, a runner started from its config, which went nowhere but
   * into this Pod's Secret, so it is taken over (replacing it would cut that runner off
   * and leave the Pod running nobody); if it is offline, it is replaced.
   */
  async function register(
    spec: RunnerInstanceSpec,
    scope: RunnerScope,
  ): Promise<
    { kind: "registered"; jit: JitConfigResult } | { kind: "taken-over"; runnerId: number }
  > {
    const client = installation(spec.installationId);
    const request = {
      scope,
      name: spec.instanceName,
      runnerGroup: await groups.runnerGroupFor(spec),
      labels: spec.labels,
    };
    const first = await client.generateJitConfig({ ...request, onConflict: "adopt" });
    if (first.encodedJitConfig !== undefined) await deps.metrics?.jitMinted(spec.runnerId);
    if (!first.adopted) return { kind: "registered", jit: first };
    const earlier = first.runner;
    if (earlier.busy || earlier.status === "online") {
      return { kind: "taken-over", runnerId: earlier.id };
    }
    const jit = await client.generateJitConfig({ ...request, onConflict: "replace" });
    if (jit.encodedJitConfig !== undefined) await deps.metrics?.jitMinted(spec.runnerId);
    return { kind: "registered", jit };
  }

  return {
    /**
     * Pod first (so the Secret can be owned by it and is collected with it), then the
     * JIT registration, then the Secret the Pod reads it from. The kubelet holds the
     * container until the Secret exists. Records github_runner_id and `registering`.
     */
    async launchRunner(spec: RunnerInstanceSpec): Promise<Launched> {
      const row = await db
        .selectFrom("runner_instances")
        .select(["state", "github_runner_id"])
        .where("name", "=", spec.instanceName)
        .executeTakeFirstOrThrow();
      if (row.state !== "pending") {
        if (row.github_runner_id !== null) {
          return { githubRunnerId: Number(row.github_runner_id), resumed: true };
        }
        throw ApplicationFailure.nonRetryable(
          `instance ${spec.instanceName} is ${row.state}; it cannot be launched`,
          "InstanceStateError",
        );
      }
      if (spec.scope === null) {
        throw ApplicationFailure.nonRetryable(
          spec.scopeProblem ?? "no GitHub scope",
          "RunnerScopeError",
        );
      }
      const scope = spec.scope;
      // The pod may exist already: the first runner of a queued job has it created with
      // its admission (activities/runner-first-start.ts).
      const { object } = await cluster.create(runnerPodOf(spec, deps.pods));
      const uid = object.metadata?.uid;
      if (uid === undefined) throw new Error(`pod ${spec.instanceName} has no uid`);
      // A Pod never restarts with a used registration: an ended one stays a failed start.
      if (podHasEnded(object)) {
        throw ApplicationFailure.nonRetryable(
          `pod ${spec.instanceName} ended before its runner was registered`,
          "PodEndedError",
        );
      }

      let githubRunnerId: number;
      try {
        const registration = await withHeartbeats(() => register(spec, scope));
        if (registration.kind === "taken-over") {
          githubRunnerId = registration.runnerId;
        } else {
          const { runner, encodedJitConfig } = registration.jit;
          if (encodedJitConfig === undefined) {
            throw new Error(`GitHub returned no JIT config for ${spec.instanceName}`);
          }
          await putSecret(
            buildJitSecret({
              namespace: spec.namespace,
              instanceName: spec.instanceName,
              workspaceId: spec.workspaceId,
              runnerId: spec.runnerId,
              encodedJitConfig,
              ownerPod: { name: spec.instanceName, uid },
            }),
          );
          githubRunnerId = runner.id;
        }
      } catch (error) {
        // Only an earlier attempt of ours registers this name, and a busy runner means
        // its config reached the Pod and a job started: that attempt had succeeded.
        if (!(error instanceof GitHubRunnerBusyError)) throw asActivityError(error);
        githubRunnerId = error.runnerId;
      }
      await db
        .updateTable("runner_instances")
        .set({ github_runner_id: githubRunnerId, state: "registering" })
        .where("name", "=", spec.instanceName)
        .where("state", "=", "pending")
        .execute();
      return { githubRunnerId, resumed: false };
    },

    /**
     * Deregisters the runner unless it is running a job (`busy`: GitHub would answer
     * 422; the caller retries later). A runner whose id was never recorded (a launch
     * that died after registering) is found by its unique name.
     */
    async removeGitHubRunner(ref: RunnerRef): Promise<"deleted" | "not-found" | "busy"> {
      if (ref.scope === null) return "not-found";
      const scope = ref.scope;
      const client = installation(ref.installationId);
      try {
        let id = ref.githubRunnerId;
        if (id === null) {
          const found = await client.listRunners(scope, { name: ref.instanceName });
          const match = found.find((runner) => runner.name === ref.instanceName);
          if (match === undefined) return "not-found";
          id = match.id;
        }
        return (await withHeartbeats(() => client.deleteRunner(scope, id))).kind;
      } catch (error) {
        throw asActivityError(error);
      }
    },

    /** Deletes the Pod and its Secret (which the Pod's deletion would collect anyway). */
    async removeRunnerPod(ref: PodRef): Promise<"deleted" | "absent"> {
      const pod = await cluster.delete({
        apiVersion: "v1",
        kind: "Pod",
        namespace: ref.namespace,
        name: ref.instanceName,
      });
      await cluster.delete({
        apiVersion: "v1",
        kind: "Secret",
        namespace: ref.namespace,
        name: jitSecretName(ref.instanceName),
      });
      return pod;
    },
  };
}

export type RunnerLaunchActivities = ReturnType<typeof createRunnerLaunchActivities>;
