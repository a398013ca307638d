import type { Client } from "@temporalio/client";
import type { Kysely } from "kysely";
import {
  createPoolRunnerSide,
  installationTenancy,
  type InstallationTenancy,
} from "../activities/runner-demand.js";
import {
  createFirstRunnerStart,
  type FirstRunnerAdmission,
} from "../activities/runner-first-start.js";
import { createRunnerGroupUpkeep } from "../activities/runner-group-upkeep.js";
import { createRunnerGroupChoice } from "../activities/runner-groups.js";
import { createRunnerInstanceActivities } from "../activities/runner-instances.js";
import {
  createRunnerLaunchActivities,
  type RunnerPodOptions,
} from "../activities/runner-launch.js";
import { createRunnerObserveActivities } from "../activities/runner-observe.js";
import { createRunnerPoolActivities } from "../activities/runner-pool.js";
import { createRunnerRerunActivities } from "../activities/runner-rerun.js";
import { createRunnerSideActivities } from "../activities/runner-side.js";
import { createRunnerSweepActivities } from "../activities/runner-sweep.js";
import { createTenancyActivities, type TenancyActivities } from "../activities/tenancy.js";
import type { Config } from "../config/types.js";
import { createSecretCipher } from "../crypto/envelope.js";
import { createKeyRing } from "../crypto/key-ring.js";
import { defaultRunnerTimings, type RunnerTimings } from "../domain/runner-pool.js";
import type { GitHubApp, GitHubInstallation } from "../github/types.js";
import type { Cluster, KubernetesCluster } from "../kubernetes/cluster.js";
import type { Logger } from "../observability/logger.js";
import type { RunnerMetrics } from "../observability/metrics-runners.js";
import type { Database } from "../storage/schema.js";
import type { runnerSweepWorkflow } from "../workflows/runner-sweep.js";
import type { tenancyConvergenceWorkflow } from "../workflows/tenancy-convergence.js";

// The runner side of the worker: job demand to pools, pools, instances, and what they
// touch (PostgreSQL, GitHub, the cluster), wired from the configuration.

export function runnerTimingsFrom(config: Pick<Config, "runners">): Partial<RunnerTimings> {
  const { runners } = config;
  return {
    bootstrapTimeoutMs: runners.bootstrapTimeoutSeconds * 1000,
    idleTimeoutMs: runners.idleTimeoutSeconds * 1000,
    startBackoffMs: runners.startBackoffSeconds * 1000,
    maxFailedStarts: runners.maxFailedStarts,
    reevaluateMs: runners.poolIntervalSeconds * 1000,
  };
}

/**
 * The first-runner step of new queued jobs (activities/runner-first-start.ts), given to
 * the job activities: with the same timings and pod options as the runner activities.
 */
export function createFirstRunner(deps: {
  db: Kysely<Database>;
  cluster: Cluster;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  timings?: Partial<RunnerTimings>;
  pods?: RunnerPodOptions;
}): FirstRunnerAdmission {
  return createFirstRunnerStart({
    db: deps.db,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    timings: { ...defaultRunnerTimings, ...deps.timings },
    cluster: deps.cluster,
    ...(deps.pods === undefined ? {} : { pods: deps.pods }),
    logger: deps.logger,
  });
}

export function createRunnerActivities(deps: {
  db: Kysely<Database>;
  github: GitHubApp | null;
  cluster: Cluster;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  timings?: Partial<RunnerTimings>;
  pods?: RunnerPodOptions;
  tenancy?: InstallationTenancy;
  metrics?: RunnerMetrics;
}) {
  const { db, github, cluster, logger } = deps;
  const metrics = deps.metrics === undefined ? {} : { metrics: deps.metrics };
  const timings: RunnerTimings = { ...defaultRunnerTimings, ...deps.timings };
  const runnerSide = createPoolRunnerSide({
    db,
    temporal: deps.temporal,
    taskQueue: deps.taskQueue,
    logger,
    ...(deps.tenancy === undefined ? {} : { tenancy: deps.tenancy }),
  });
  // One choice of runner groups for the launches and the groups' upkeep, so a group
  // the upkeep deletes is not trusted by a launch afterwards.
  const installation = (installationId: number): GitHubInstallation => {
    if (github === null) throw new Error("no GitHub client configured for this worker");
    return github.installation(installationId);
  };
  const choice = createRunnerGroupChoice({ db, installation });
  const groups = createRunnerGroupUpkeep({ db, installation, logger, choice });
  return {
    ...createRunnerSideActivities({ runnerSide }),
    ...createRunnerPoolActivities({
      db,
      timings,
      temporal: { client: deps.temporal, taskQueue: deps.taskQueue },
      groups,
    }),
    ...createRunnerInstanceActivities({ db, ...metrics }),
    ...createRunnerRerunActivities({ db, github }),
    ...createRunnerLaunchActivities({
      db,
      github,
      cluster,
      ...(deps.pods === undefined ? {} : { pods: deps.pods }),
      ...metrics,
      groups: choice,
    }),
    ...createRunnerObserveActivities({
      github,
      cluster,
      logger: logger.child({ subsystem: "runner-observe" }),
    }),
    ...createRunnerSweepActivities({
      db,
      github,
      cluster,
      temporal: deps.temporal,
      logger,
      ...metrics,
      groups,
    }),
  };
}

/** Where spot and GPU runners may run, and which images take a read-only root, from config. */
export function podOptionsFrom(config: Pick<Config, "kubernetes">): RunnerPodOptions {
  const { placement, readOnlyRootImages } = config.kubernetes;
  const tolerations = (list: typeof placement.spot.tolerations) =>
    list.map((toleration) => ({ ...toleration }));
  return {
    placement: {
      spot: {
        nodeSelector: { ...placement.spot.nodeSelector },
        tolerations: tolerations(placement.spot.tolerations),
      },
      gpu: {
        resourceName: placement.gpu.resourceName,
        nodeSelector: { ...placement.gpu.nodeSelector },
        tolerations: tolerations(placement.gpu.tolerations),
        typeLabel: placement.gpu.typeLabel,
      },
    },
    readOnlyRootImages,
  };
}

/** The workspaces' tenancy (namespace, quota, policies, pull Secrets) from config. */
export function workspaceTenancyFrom(deps: {
  config: Pick<Config, "kubernetes" | "encryption">;
  db: Kysely<Database>;
  cluster: KubernetesCluster;
}): TenancyActivities {
  const { encryption, kubernetes } = deps.config;
  const keys = createKeyRing(
    { id: encryption.keyId, key: encryption.key.reveal() },
    encryption.previousKeys.map((previous) => ({ id: previous.id, key: previous.key.reveal() })),
  );
  return createTenancyActivities({
    db: deps.db,
    cluster: deps.cluster,
    crypto: createSecretCipher(keys),
    settings: {
      network: kubernetes.network,
      gpuResourceName: kubernetes.placement.gpu.resourceName,
    },
  });
}

/** The installation workflow's hooks in tenancy terms, from config. */
export function tenancyFrom(deps: {
  config: Pick<Config, "kubernetes" | "encryption">;
  db: Kysely<Database>;
  cluster: KubernetesCluster;
}): InstallationTenancy {
  const tenancy = workspaceTenancyFrom(deps);
  return installationTenancy({
    db: deps.db,
    ensureWorkspaceCluster: (workspaceId) => tenancy.ensureWorkspaceCluster(workspaceId),
  });
}

/** One convergence loop per Temporal namespace, under a fixed id. */
export const TENANCY_CONVERGENCE_WORKFLOW_ID = "tenancy-convergence";

/** Starts the workspace convergence loop (workflows/tenancy-convergence.ts) unless it runs. */
export async function startTenancyConvergence(
  client: Client,
  taskQueue: string,
  intervalMinutes = 10,
): Promise<void> {
  await client.workflow.start<typeof tenancyConvergenceWorkflow>("tenancyConvergenceWorkflow", {
    taskQueue,
    workflowId: TENANCY_CONVERGENCE_WORKFLOW_ID,
    args: [{ intervalMinutes }],
    workflowIdConflictPolicy: "USE_EXISTING",
  });
}

/** One sweep per Temporal namespace, under a fixed id; a second start joins the first. */
export const RUNNER_SWEEP_WORKFLOW_ID = "runner-sweep";

/**
 * Starts the runner sweep (workflows/runner-sweep.ts) unless it runs already. Its
 * deadlines follow the configured bootstrap and idle timeouts.
 */
export async function startRunnerSweep(
  client: Client,
  taskQueue: string,
  timings: Partial<RunnerTimings>,
  intervalMinutes = 5,
): Promise<void> {
  await client.workflow.start<typeof runnerSweepWorkflow>("runnerSweepWorkflow", {
    taskQueue,
    workflowId: RUNNER_SWEEP_WORKFLOW_ID,
    args: [
      {
        intervalMinutes,
        sweep: {
          settings: {
            ...(timings.bootstrapTimeoutMs === undefined
              ? {}
              : { bootstrapTimeoutMs: timings.bootstrapTimeoutMs }),
            ...(timings.idleTimeoutMs === undefined
              ? {}
              : { idleTimeoutMs: timings.idleTimeoutMs }),
          },
        },
      },
    ],
    workflowIdConflictPolicy: "USE_EXISTING",
  });
}
