import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@hangar/github-sim";
import { testDatabase, type TestDatabase } from "@hangar/testkit";
import { createGitHubApp } from "../github/app-client.js";
import type { GitHubApp } from "../github/types.js";
import { queuedJob } from "../storage/test-fixtures.js";
import { seedTenant, type SeededTenant } from "./jobs-fixtures.js";
import { createRunnerRerunActivities, markLostJobRerun } from "./runner-rerun.js";

// Deciding and asking for the re-run of a job lost with its runner, against PostgreSQL
// and the GitHub simulator: which lost jobs are marked, and what each look at a waiting
// one does (wait for the run, re-run it once, or decline and say why).

let database: TestDatabase;
let sim: Simulator;
let github: GitHubApp;
let tenant: SeededTenant;
let runners = 0;

beforeAll(async () => {
  [database, sim] = await Promise.all([testDatabase(), startSimulator({ autoTick: false })]);
  const installation = await sim.control.createInstallation({
    account: { login: "acme", type: "Organization" },
    repositories: ["web"],
  });
  tenant = await seedTenant(database.db, {
    installationId: installation.installationId,
    repository: installation.repositories[0]!,
  });
  github = createGitHubApp({
    apiUrl: sim.url,
    appId: sim.app.id,
    privateKeyPem: sim.app.privateKeyPem,
  });
});

afterAll(async () => {
  await Promise.all([database.close(), sim.close()]);
});

/** A runner configuration on an offering of its own; its id. */
async function configuration(offering: { spot: boolean; rerun?: boolean | null }) {
  runners += 1;
  const id = `rerun-test-${runners}`;
  await database.db
    .insertInto("runner_offerings")
    .values({
      id,
      name: id,
      cpu: "1",
      memory: "1Gi",
      spot: offering.spot,
      rerun_on_preemption: offering.rerun ?? null,
      image_repository: "ghcr.io/actions/actions-runner",
      image_tag: "2.330.0",
      price_per_minute: "0.001000",
    })
    .execute();
  const row = await database.db
    .insertInto("runners")
    .values({
      workspace_id: tenant.workspaceId,
      project_id: tenant.projectId,
      installation_id: tenant.installationId,
      name: id,
      offering_id: id,
      cpu: "1",
      memory: "1Gi",
      max_runners: 5,
      namespace: "hangar-rerun-test",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * A run on GitHub whose first job was running on a runner that went away (GitHub failed
 * it), the second still queued; the lost job's row linked to a failed instance.
 */
async function lostJob(runnerId: string, disruption: string | null) {
  const name = `lost-${runnerId.slice(0, 8)}`;
  const queued = await sim.control.queueWorkflowRun({
    repository: tenant.repository.fullName,
    jobs: [
      { name: "lost", labels: [name], durationMs: 600_000 },
      { name: "other", labels: ["nobody-has-this"] },
    ],
  });
  const [lost, other] = queued.jobIds as [number, number];
  await github.installation(tenant.installationId).generateJitConfig({
    scope: { org: "acme" },
    name,
    runnerGroup: { id: 1 },
    labels: [name],
    onConflict: "replace",
  });
  await sim.control.connectRunner(name);
  await sim.control.disconnectRunner(name);
  const instance = await database.db
    .insertInto("runner_instances")
    .values({
      runner_id: runnerId,
      workspace_id: tenant.workspaceId,
      name,
      labels: [name],
      state: "failed",
      failure_reason: "the pod was disrupted while running its job; the job is lost",
      disruption,
      terminated_at: new Date(),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await database.db
    .insertInto("jobs")
    .values(
      queuedJob(
        {
          ...tenant,
          installationId: BigInt(tenant.installationId),
          repositoryId: BigInt(tenant.repository.id),
        },
        {
          github_job_id: lost,
          github_run_id: queued.runId,
          runner_id: runnerId,
          runner_instance_id: instance.id,
          status: "completed",
          conclusion: "failure",
          github_started_at: new Date(),
          github_completed_at: new Date(),
          runner_name: name,
        },
      ),
    )
    .execute();
  await markLostJobRerun(database.db, instance.id);
  return { runId: queued.runId, lost, other };
}

const rerunOf = (jobId: number) =>
  database.db
    .selectFrom("jobs")
    .select(["rerun_state", "rerun_message"])
    .where("github_job_id", "=", BigInt(jobId))
    .executeTakeFirstOrThrow();

describe("re-running jobs lost to a disruption", () => {
  it("waits while the run runs, then re-runs the job once", async () => {
    const runnerId = await configuration({ spot: true });
    const { runId, lost, other } = await lostJob(runnerId, "PreemptionByScheduler");
    expect(await rerunOf(lost)).toEqual({
      rerun_state: "waiting",
      rerun_message:
        "its runner's pod was disrupted (PreemptionByScheduler); it is re-run once its run has completed",
    });
    const activities = createRunnerRerunActivities({ db: database.db, github });
    expect(await activities.rerunLostJob({ jobId: lost })).toEqual({ state: "waiting" });
    expect(await activities.rerunLostJob({ jobId: lost })).toEqual({ state: "waiting" });

    await sim.control.cancelJob(other);
    expect(await activities.rerunLostJob({ jobId: lost })).toEqual({ state: "requested" });
    expect(await rerunOf(lost)).toEqual({
      rerun_state: "requested",
      rerun_message: "GitHub re-runs the job as attempt 2 of its run",
    });
    // Asked again (a retried activity): GitHub is not asked twice.
    expect(await activities.rerunLostJob({ jobId: lost })).toEqual({ state: "requested" });
    const jobs = (await sim.control.jobs()).filter((job) => job.runId === runId);
    expect(jobs.map((job) => [job.name, job.runAttempt, job.status])).toEqual([
      ["lost", 1, "completed"],
      ["other", 1, "completed"],
      ["other", 2, "completed"],
      ["lost", 2, "queued"],
    ]);
    const reruns = sim.stats().requests.filter((r) => r.path.endsWith(`/jobs/${lost}/rerun`));
    expect(reruns.map((r) => r.status)).toEqual([201]);
  });

  it("is not asked for when the offering says no, nor for a pod that was deleted", async () => {
    const declining = await configuration({ spot: true, rerun: false });
    const { lost } = await lostJob(declining, "TerminationByKubelet");
    expect(await rerunOf(lost)).toEqual({
      rerun_state: "declined",
      rerun_message: expect.stringMatching(
        /^its runner's pod was disrupted \(TerminationByKubelet\); the offering rerun-test-\d+ does not re-run jobs lost to preemption$/,
      ) as unknown,
    });
    const deleted = await lostJob(await configuration({ spot: true }), null);
    expect(await rerunOf(deleted.lost)).toEqual({ rerun_state: null, rerun_message: null });
    // An on-demand offering can opt in; a spot one opts out by default only when told to.
    const onDemand = await lostJob(
      await configuration({ spot: false, rerun: true }),
      "EvictionByEvictionAPI",
    );
    expect((await rerunOf(onDemand.lost)).rerun_state).toBe("waiting");
    const onDemandDefault = await lostJob(await configuration({ spot: false }), "Evicted");
    expect((await rerunOf(onDemandDefault.lost)).rerun_state).toBe("declined");
  });

  it("declines what can no longer be re-run, and never re-runs a run re-run by someone else", async () => {
    const activities = createRunnerRerunActivities({ db: database.db, github });
    const superseded = await lostJob(await configuration({ spot: true }), "DeletionByPodGC");
    await sim.control.cancelJob(superseded.other);
    expect(
      (await github.installation(tenant.installationId).rerunJob("acme", "web", superseded.other))
        .kind,
    ).toBe("rerun");
    expect(await activities.rerunLostJob({ jobId: superseded.lost })).toEqual({
      state: "superseded",
    });
    expect((await rerunOf(superseded.lost)).rerun_message).toBe(
      "the run was re-run already (attempt 2)",
    );

    const impatient = createRunnerRerunActivities({
      db: database.db,
      github,
      patienceMs: 3_600_000,
      now: () => Date.now() + 2 * 3_600_000,
    });
    const slow = await lostJob(await configuration({ spot: true }), "DeletionByTaintManager");
    expect(await impatient.rerunLostJob({ jobId: slow.lost })).toEqual({ state: "declined" });
    expect((await rerunOf(slow.lost)).rerun_message).toBe("its run did not complete within 1 h");

    const gone = await configuration({ spot: true });
    const orphan = await lostJob(gone, "the node kwok-spot-1 is gone");
    await database.db
      .updateTable("runners")
      .set({ status: "deleting", deleted_at: new Date() })
      .where("id", "=", gone)
      .execute();
    expect(await activities.rerunLostJob({ jobId: orphan.lost })).toEqual({ state: "declined" });
    expect((await rerunOf(orphan.lost)).rerun_message).toBe("the runner configuration was deleted");
    expect(await activities.rerunLostJob({ jobId: 1 })).toEqual({ state: null });
  });
});
