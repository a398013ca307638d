import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "@hangar/testkit";
import { buildRunnerPod } from "../src/kubernetes/builders/runner-pod.js";
import { createCluster, type Cluster } from "../src/kubernetes/cluster.js";
import { createLogger } from "../src/observability/logger.js";
import { HANGAR_CONTROLLER_LABEL } from "../src/domain/runner-instance.js";
import { RUNNER_SWEEP_WORKFLOW_ID, startRunnerSweep } from "../src/main/runners.js";
import { runnerSweepStatusQuery } from "../src/workflows/runner-sweep.js";
import { startRunnerHarness, type RunnerHarness } from "./runner-harness.js";
import { createRunnerSweepActivities } from "../src/activities/runner-sweep.js";

// The sweep on the real services: what the pool and instance workflows would never
// clean up (they did not make it, or they are gone) is found in the cluster, on GitHub
// and in PostgreSQL, and removed; what belongs to a live instance is left alone.

let h: RunnerHarness;
let cluster: Cluster;
let runnerId: string;
let activities: ReturnType<typeof createRunnerSweepActivities>;
const sweep = (options: Parameters<typeof activities.sweepRunners>[0]) =>
  activities.sweepRunners(options);

const immediately = { settings: { graceMs: 0, bootstrapTimeoutMs: 0, idleTimeoutMs: 60_000 } };

beforeAll(async () => {
  h = await startRunnerHarness();
  cluster = createCluster(h.namespace.kubeConfig);
  runnerId = await h.addRunner({ name: "sweep-small", maxRunners: 4 });
  activities = createRunnerSweepActivities({
    db: h.database.db,
    github: h.github,
    cluster,
    temporal: h.isolated.client,
    logger: createLogger({ level: "silent" }),
  });
});

afterAll(async () => {
  await h.close();
});

function pod(instanceName: string) {
  return buildRunnerPod({
    namespace: h.namespace.name,
    instanceName,
    workspaceId: h.tenant.workspaceId,
    runnerId,
    image: "ghcr.io/actions/actions-runner:2.330.0",
    cpu: "500m",
    memory: "512Mi",
    gpu: null,
    spot: false,
    arch: "amd64",
    imagePullSecretNames: [],
  });
}

async function registerOnGitHub(name: string, labels = ["sweep-small", HANGAR_CONTROLLER_LABEL]) {
  const jit = await h.github.installation(h.tenant.installationId).generateJitConfig({
    scope: { org: "acme" },
    name,
    runnerGroup: { id: 1 },
    labels,
    onConflict: "replace",
  });
  return jit.runner.id;
}

const githubNames = async () => (await h.sim.control.runners("acme")).map((runner) => runner.name);
const podNames = async () => (await h.pods(runnerId)).map((p) => p.metadata?.name);

describe("runner sweep", () => {
  it("removes orphans, abandons instances whose workflow is gone, spares the rest", async () => {
    // A pod no instance owns; a GitHub runner no instance owns; someone else's runner.
    await cluster.create(pod("sweep-small-orphanpod01"));
    await registerOnGitHub("sweep-small-orphanrun01");
    await registerOnGitHub("not-hangars", ["sweep-small"]);
    // An instance whose workflow never existed (as after a terminate): row, pod, runner.
    const abandoned = "sweep-small-abandoned01";
    await h.database.db
      .insertInto("runner_instances")
      .values({
        runner_id: runnerId,
        workspace_id: h.tenant.workspaceId,
        name: abandoned,
        labels: ["sweep-small", HANGAR_CONTROLLER_LABEL],
        state: "idle",
      })
      .execute();
    await cluster.create(pod(abandoned));
    await registerOnGitHub(abandoned);

    const dryRun = await sweep({ ...immediately, dryRun: true });
    expect(dryRun).toMatchObject({ podsDeleted: 0, runnersDeleted: 0, instancesAbandoned: 0 });
    expect(await podNames()).toHaveLength(2);

    const first = await sweep(immediately);
    expect(first).toMatchObject({
      podsDeleted: 1,
      runnersDeleted: 1,
      instancesAbandoned: 1,
      instancesCancelled: 0,
      actionErrors: 0,
      unlistedInstallations: [],
    });
    const row = await h.database.db
      .selectFrom("runner_instances")
      .select(["state", "failure_reason", "terminated_at"])
      .where("name", "=", abandoned)
      .executeTakeFirstOrThrow();
    expect(row.state).toBe("failed");
    expect(row.failure_reason).toMatch(/^abandoned: instance idle but its workflow is not running/);
    expect(row.terminated_at).not.toBeNull();
    await eventually("both pods gone", async () =>
      (await podNames()).length === 0 ? true : undefined,
    );

    // The abandoned instance's GitHub runner goes in the next round, once its row is closed.
    expect(await githubNames()).toEqual(expect.arrayContaining([abandoned, "not-hangars"]));
    const second = await sweep(immediately);
    expect(second).toMatchObject({ runnersDeleted: 1, podsDeleted: 0, instancesAbandoned: 0 });
    expect((await githubNames()).sort()).toEqual(["not-hangars"]);

    // Nothing left to do: a third round changes nothing.
    expect(await sweep(immediately)).toMatchObject({
      podsDeleted: 0,
      runnersDeleted: 0,
      instancesAbandoned: 0,
      instancesCancelled: 0,
    });
  });

  it("leaves a live instance's runner alone and runs on its own as a workflow", async () => {
    const jobIds = await h.queueJobs([
      { name: "slow", labels: ["self-hosted", "sweep-small"], durationMs: 30_000 },
    ]);
    const busy = await eventually(
      "a runner busy with the job",
      async () => {
        const job = (await h.sim.control.jobs()).find((j) => j.id === jobIds[0]);
        return job?.status === "in_progress" ? job.runnerName : undefined;
      },
      60_000,
    );
    // Default deadlines: a busy instance of a running workflow is nobody's orphan.
    await startRunnerSweep(h.isolated.client, h.temporal.taskQueue, {}, 0.01);
    const handle = h.isolated.client.workflow.getHandle(RUNNER_SWEEP_WORKFLOW_ID);
    const status = await eventually("two sweep rounds", async () => {
      const current = await handle.query(runnerSweepStatusQuery);
      return current.rounds >= 2 ? current : undefined;
    });
    expect(status.failedRounds).toBe(0);
    expect(status.last).toMatchObject({ podsDeleted: 0, runnersDeleted: 0, instancesAbandoned: 0 });
    expect(await githubNames()).toContain(busy);
    await handle.terminate("test over");
  });
});
