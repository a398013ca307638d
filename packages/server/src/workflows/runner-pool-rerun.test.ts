import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, recordHistory } from "@hangar/testkit";
import { workflowIds } from "../domain/workflow-names.js";
import { historiesDir } from "../workflow-bundle.js";
import { startRunnerHarness, type RunnerHarness } from "../../test/runner-harness.js";

// A spot runner preempted mid-job, end to end: Kubernetes marks the pod for disruption
// (the DisruptionTarget condition the scheduler sets before it deletes a preempted pod),
// the instance ends lost and says why, GitHub fails the job, and the pool asks GitHub to
// re-run it, which GitHub allows only once the rest of the run has completed. The new
// attempt's job then gets a runner like any other. A pod that is simply deleted is not
// a preemption: its job is not re-run.

let h: RunnerHarness;

beforeAll(async () => {
  h = await startRunnerHarness();
});

afterAll(async () => {
  await h.close();
});

const TEN_MINUTES = 10 * 60_000;

async function jobRow(jobId: number) {
  return h.database.db
    .selectFrom("jobs")
    .select(["status", "conclusion", "runner_instance_id", "rerun_state", "rerun_message"])
    .where("github_job_id", "=", BigInt(jobId))
    .executeTakeFirst();
}

async function githubJob(jobId: number) {
  return (await h.sim.control.jobs()).find((job) => job.id === jobId);
}

/** The busy instance running the job, once Hangar has linked the two. */
async function runningOn(runnerId: string, jobId: number) {
  return eventually(
    `job ${jobId} running on a recorded runner`,
    async () => {
      const job = await jobRow(jobId);
      const instance = (await h.instances(runnerId)).find(
        (row) => row.id === job?.runner_instance_id,
      );
      return instance?.state === "busy" ? instance : undefined;
    },
    // A pod, a registration and GitHub's assignment: slow on a loaded machine.
    120_000,
  );
}

const reruns = (jobId: number) =>
  h.sim
    .stats()
    .requests.filter((request) => request.path.endsWith(`/actions/jobs/${jobId}/rerun`))
    .map((request) => request.status);

describe("re-running jobs lost to spot preemption", () => {
  // Generous: several pods, a run to finish and a new attempt, on a loaded machine.
  it("re-runs a preempted job once its run has completed", { timeout: 300_000 }, async () => {
    const runnerId = await h.addRunner({ name: "hangar-spot", spot: true, maxRunners: 3 });
    const [victim, sibling] = (await h.queueJobs([
      { name: "victim", labels: ["hangar-spot"], durationMs: TEN_MINUTES },
      { name: "sibling", labels: ["hangar-spot"], durationMs: TEN_MINUTES },
    ])) as [number, number];
    const instance = await runningOn(runnerId, victim);
    const [pod] = (await h.pods(runnerId)).filter((p) => p.metadata?.name === instance.name);
    expect(pod?.spec?.nodeName).toBe("kwok-spot-1");

    // The scheduler marks the pod it preempts. kwok rewrites pod status as it plays its
    // stages, which can drop the mark on a busy machine, so it is put back until seen.
    const markPreempted = async () => {
      const current = await h.namespace.core
        .readNamespacedPodStatus({ name: instance.name, namespace: h.namespace.name })
        .catch(() => undefined);
      if (current === undefined) return;
      if (current.status?.conditions?.some((c) => c.type === "DisruptionTarget")) return;
      await h.namespace.core.patchNamespacedPodStatus({
        name: instance.name,
        namespace: h.namespace.name,
        body: [
          {
            op: "add",
            path: "/status/conditions/-",
            value: {
              type: "DisruptionTarget",
              status: "True",
              reason: "PreemptionByScheduler",
              message: "Preempted in order to admit critical pod",
              lastTransitionTime: new Date().toISOString(),
            },
          },
        ],
      });
    };
    await markPreempted();

    const lost = await eventually(
      "the instance's record to say what happened",
      async () => {
        const row = (await h.instances(runnerId)).find((r) => r.name === instance.name);
        if (row?.state === "failed") return row;
        await markPreempted();
        return undefined;
      },
      120_000,
    );
    expect(lost.disruption).toBe("PreemptionByScheduler: Preempted in order to admit critical pod");
    expect(lost.failure_reason).toBe(
      `the pod was disrupted (PreemptionByScheduler: Preempted in order to admit critical pod) while running job ${victim} on spot capacity; the job is lost`,
    );
    // GitHub failed the job with its runner; the sibling still runs, so the re-run waits.
    const waiting = await eventually("the lost job waiting for its re-run", async () => {
      const row = await jobRow(victim);
      return row?.status === "completed" && row.rerun_state === "waiting" ? row : undefined;
    });
    expect(waiting).toMatchObject({ conclusion: "failure", runner_instance_id: lost.id });
    expect((await githubJob(sibling))?.status).toBe("in_progress");
    // The pool looks again while the sibling runs, and never asks GitHub in vain.
    const evaluations = (await h.poolStatus(runnerId)).evaluations;
    await eventually("a few more looks by the pool", async () =>
      (await h.poolStatus(runnerId)).evaluations >= evaluations + 3 ? true : undefined,
    );
    expect((await jobRow(victim))?.rerun_state).toBe("waiting");
    expect(reruns(victim)).toEqual([]);

    // The run completes; GitHub re-runs the lost job as attempt 2, under a new id.
    await h.sim.control.cancelJob(sibling);
    const requested = await eventually(
      "the re-run requested",
      async () => {
        const row = await jobRow(victim);
        return row?.rerun_state === "requested" ? row : undefined;
      },
      60_000,
    );
    expect(requested.rerun_message).toBe("GitHub re-runs the job as attempt 2 of its run");
    expect(reruns(victim)).toEqual([201]);
    await recordHistory(
      h.isolated.client,
      workflowIds.runnerPool(runnerId),
      historiesDir,
      "runner-pool-rerun",
    );
    await recordHistory(
      h.isolated.client,
      workflowIds.runnerInstance(instance.name),
      historiesDir,
      "runner-instance-preempted",
    );
    const again = await eventually(
      "the new attempt's job running on a new runner",
      async () => {
        const job = (await h.sim.control.jobs()).find(
          (j) => j.name === "victim" && j.runAttempt === 2,
        );
        return job?.status === "in_progress" ? job : undefined;
      },
      60_000,
    );
    expect(again.id).not.toBe(victim);
    expect(again.runnerName).toMatch(/^hangar-spot-[0-9a-f]{12}$/);
    expect(again.runnerName).not.toBe(instance.name);
    // Hangar tracks the new attempt's job like any other: its own row, routed to the pool.
    const row = await eventually("the new attempt's job recorded", async () => {
      const found = await jobRow(again.id);
      return found?.runner_instance_id != null ? found : undefined;
    });
    expect(row.rerun_state).toBeNull();
    expect((await githubJob(sibling))?.runAttempt).toBe(1);
  });

  it("does not re-run a job whose pod was deleted", { timeout: 300_000 }, async () => {
    const runnerId = await h.addRunner({ name: "hangar-spot-del", spot: true, maxRunners: 1 });
    const [job] = (await h.queueJobs([
      { name: "deleted", labels: ["hangar-spot-del"], durationMs: TEN_MINUTES },
    ])) as [number];
    const instance = await runningOn(runnerId, job);
    await h.namespace.core.deleteNamespacedPod({
      namespace: h.namespace.name,
      name: instance.name,
    });
    const lost = await eventually("the instance failed", async () => {
      const row = (await h.instances(runnerId)).find((r) => r.name === instance.name);
      return row?.state === "failed" ? row : undefined;
    });
    expect(lost.disruption).toBeNull();
    expect(lost.failure_reason).toMatch(/^the pod (was|is being) deleted while running/);
    const recorded = await eventually("the job failed on GitHub and recorded", async () => {
      const row = await jobRow(job);
      return row?.status === "completed" && row.runner_instance_id === lost.id ? row : undefined;
    });
    expect(recorded).toMatchObject({ conclusion: "failure", rerun_state: null });
    // Its run completed long ago; the pool's looks (none) asked GitHub for nothing.
    const evaluations = (await h.poolStatus(runnerId)).evaluations;
    await eventually("a few more looks by the pool", async () =>
      (await h.poolStatus(runnerId)).evaluations >= evaluations + 3 ? true : undefined,
    );
    expect(reruns(job)).toEqual([]);
  });
});
