import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, recordHistory } from "@hangar/testkit";
import { workflowIds } from "../domain/workflow-names.js";
import { historiesDir } from "../workflow-bundle.js";
import { startRunnerHarness, type RunnerHarness } from "../../test/runner-harness.js";

// The runner pool and its instances on real Temporal, PostgreSQL and Kubernetes (kwok
// nodes), with the GitHub simulator's runner side playing the runners: jobs queued on
// "GitHub" arrive as webhooks, become demand, pods, registered runners and finished
// jobs, and everything Hangar created is gone afterwards.

let h: RunnerHarness;

beforeAll(async () => {
  h = await startRunnerHarness();
});

afterAll(async () => {
  await h.close();
});

const terminal = new Set(["terminated", "failed"]);

/** Nothing of the configuration is left: no pod, no Secret, no GitHub runner, no live row. */
async function nothingLeft(runnerId: string, name: string): Promise<true | undefined> {
  const [pods, secrets, runners, instances] = await Promise.all([
    h.pods(runnerId),
    h.secrets(runnerId),
    h.githubRunners(name),
    h.instances(runnerId),
  ]);
  const live = instances.filter((instance) => !terminal.has(instance.state));
  return pods.length + secrets.length + runners.length + live.length === 0 ? true : undefined;
}

async function jobsOnGitHub(ids: number[]) {
  const all = await h.sim.control.jobs();
  return ids.map((id) => all.find((job) => job.id === id)!);
}

describe("runner pool", () => {
  it("runs a handful of jobs on runners made for them and leaves nothing behind", async () => {
    const runnerId = await h.addRunner({ name: "hangar-small", maxRunners: 10 });
    const jobIds = await h.queueJobs([
      ...["a", "b", "c", "d"].map((name) => ({
        name,
        labels: ["self-hosted", "hangar-small"],
        durationMs: 2_000,
      })),
      // Not Hangar's: GitHub-hosted, no runner is started for it.
      { name: "hosted", labels: ["ubuntu-latest"] },
    ]);
    const hangarJobs = jobIds.slice(0, 4);

    const pod = await eventually("a runner pod", async () => (await h.pods(runnerId))[0]);
    const container = pod.spec?.containers[0];
    expect(pod.metadata?.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "hangar",
      "hangar.dev/workspace-id": h.tenant.workspaceId,
      "hangar.dev/runner-id": runnerId,
      "hangar.dev/runner-instance": pod.metadata?.name,
    });
    expect(pod.metadata?.name).toMatch(/^hangar-small-[0-9a-f]{12}$/);
    expect(pod.spec?.restartPolicy).toBe("Never");
    expect(container?.resources?.requests).toEqual({ cpu: "500m", memory: "512Mi" });
    expect(container?.resources?.limits).toEqual({ cpu: "500m", memory: "512Mi" });
    expect(container?.env?.find((e) => e.name === "ACTIONS_RUNNER_INPUT_JITCONFIG")).toEqual({
      name: "ACTIONS_RUNNER_INPUT_JITCONFIG",
      valueFrom: { secretKeyRef: { name: `${pod.metadata?.name}-jit`, key: "jitconfig" } },
    });

    const finished = await eventually(
      "the four jobs completed on GitHub",
      async () => {
        const jobs = await jobsOnGitHub(hangarJobs);
        return jobs.every((job) => job.status === "completed") ? jobs : undefined;
      },
      60_000,
    );
    for (const job of finished) {
      expect(job.conclusion).toBe("success");
      expect(job.runnerName).toMatch(/^hangar-small-[0-9a-f]{12}$/);
    }
    // GitHub registered them with the configuration's labels (its defaults added).
    await eventually("everything torn down", () => nothingLeft(runnerId, "hangar-small"), 60_000);

    const instances = await h.instances(runnerId);
    expect(instances.map((i) => i.state)).toEqual(instances.map(() => "terminated"));
    // Its first registered runner ended the new configuration's "provisioning".
    const { status } = await h.database.db
      .selectFrom("runners")
      .select("status")
      .where("id", "=", runnerId)
      .executeTakeFirstOrThrow();
    expect(status).toBe("active");
    expect(instances.filter((i) => i.github_job_id !== null)).toHaveLength(4);
    expect(instances[0]!.labels).toEqual(["hangar-small", "hangar-managed"]);
    const byName = new Map(instances.map((i) => [i.name, i]));
    const rows = await eventually("each job linked to its runner's record", async () => {
      const jobs = await h.database.db
        .selectFrom("jobs")
        .select(["github_job_id", "runner_name", "runner_instance_id", "status"])
        .where("github_job_id", "in", hangarJobs.map(BigInt))
        .execute();
      return jobs.length === 4 && jobs.every((j) => j.runner_instance_id !== null)
        ? jobs
        : undefined;
    });
    for (const job of rows) {
      const instance = byName.get(job.runner_name!)!;
      expect(job.runner_instance_id).toBe(instance.id);
      expect(instance.github_job_id).toBe(job.github_job_id);
    }
    // The GitHub-hosted job got no runner and no record.
    const hosted = await h.database.db
      .selectFrom("jobs")
      .select("github_job_id")
      .where("github_job_id", "=", BigInt(jobIds[4]!))
      .execute();
    expect(hosted).toEqual([]);
    await recordHistory(
      h.isolated.client,
      workflowIds.runnerInstance(instances[0]!.name),
      historiesDir,
      "runner-instance-job",
    );

    // The pool started its instances from an activity, by workflow id, not as its children: a
    // child start waits for the server to carry it out, which it puts off while the pool
    // is busy (in a burst, all the time).
    const pool = h.isolated.client.workflow.getHandle(workflowIds.runnerPool(runnerId));
    const events = (await pool.fetchHistory()).events ?? [];
    expect(events.some((event) => event.startChildWorkflowExecutionInitiatedEventAttributes)).toBe(
      false,
    );
    const activities = events.map(
      (event) => event.activityTaskScheduledEventAttributes?.activityType?.name,
    );
    expect(activities).toContain("startRunnerInstances");
    for (const instance of instances) {
      const described = await h.isolated.client.workflow
        .getHandle(workflowIds.runnerInstance(instance.name))
        .describe();
      expect(described.parentExecution).toBeUndefined();
    }
    await recordHistory(
      h.isolated.client,
      pool.workflowId,
      historiesDir,
      "runner-pool-direct-starts",
    );
  });

  it(
    "keeps two idle runners through a burst and after it, none while suspended, and drains when deleted",
    { timeout: 300_000 },
    async () => {
      const runnerId = await h.addRunner({ name: "hangar-warm", minIdle: 2, maxRunners: 10 });
      // A configuration with a minimum runs its pool before any job asks. This pool
      // continues as new every few evaluations: its instances and queue carry over.
      await h.startPool(runnerId, { maxHistoryEvents: 80 });
      const pool = h.isolated.client.workflow.getHandle(workflowIds.runnerPool(runnerId));
      const firstRunId = (await pool.describe()).runId;
      const idleRows = async (count: number) => {
        const rows = (await h.instances(runnerId)).filter((i) => i.state === "idle");
        return rows.length === count ? rows : undefined;
      };
      const warm = await eventually("two idle runners", () => idleRows(2), 60_000);
      const online = await h.githubRunners("hangar-warm");
      expect(online.filter((r) => r.status === "online" && !r.busy)).toHaveLength(2);

      const jobIds = await h.queueJobs(
        ["1", "2", "3", "4", "5"].map((n) => ({
          name: `burst-${n}`,
          labels: ["hangar-warm"],
          durationMs: 1_500,
        })),
      );
      const jobs = await eventually(
        "the burst completed on GitHub",
        async () => {
          const found = await jobsOnGitHub(jobIds);
          return found.every((job) => job.status === "completed") ? found : undefined;
        },
        60_000,
      );
      expect(jobs.map((job) => job.conclusion)).toEqual(jobs.map(() => "success"));
      // The warm runners took the first jobs at once.
      const ranOn = new Set(jobs.map((job) => job.runnerName));
      for (const instance of warm) expect(ranOn.has(instance.name)).toBe(true);

      const after = await eventually(
        "two idle runners again, the rest gone",
        async () => {
          const rows = await h.instances(runnerId);
          const live = rows.filter((i) => !terminal.has(i.state));
          return live.length === 2 && live.every((i) => i.state === "idle") ? rows : undefined;
        },
        60_000,
      );
      // Five jobs and two runners kept: seven at least. A job's webhook that is slower
      // than the job itself can leave it counted for a moment after its runner is gone;
      // the runner started for it then retires unused after the idle timeout.
      expect(after.length).toBeGreaterThanOrEqual(7);
      expect(after.filter((i) => i.state === "failed")).toEqual([]);
      expect(after.filter((i) => i.github_job_id !== null)).toHaveLength(5);
      expect(await h.pods(runnerId)).toHaveLength(2);
      // The pool hears of each end, and of each runner going idle, just after the record
      // is written: on a loaded machine its view can lag the rows by a moment.
      const status = await eventually("the pool to count two idle runners", async () => {
        const current = await h.poolStatus(runnerId);
        const idle = current.instances.filter((i) => i.state === "idle");
        return current.instances.length === 2 && idle.length === 2 ? current : undefined;
      });
      expect(status.queuedJobIds).toEqual([]);
      expect(status.instances.map((i) => i.state)).toEqual(["idle", "idle"]);

      // Suspended, it keeps no idle runner (an idle one would take the next job), and it
      // keeps its two again once resumed.
      const setStatus = async (status: "suspended" | "active" | "deleting") => {
        await h.database.db
          .updateTable("runners")
          .set({ status })
          .where("id", "=", runnerId)
          .execute();
        await h.startPool(runnerId);
      };
      const liveRows = async () =>
        (await h.instances(runnerId)).filter((i) => !terminal.has(i.state));
      await setStatus("suspended");
      await eventually(
        "no runner left while suspended",
        async () => ((await liveRows()).length === 0 ? true : undefined),
        60_000,
      );
      expect((await h.githubRunners("hangar-warm")).filter((r) => r.status === "online")).toEqual(
        [],
      );
      await setStatus("active");
      await eventually("two idle runners after resuming", () => idleRows(2), 60_000);

      // Deleting the configuration drains the pool: the idle runners go, then the pool ends
      // and the configuration is gone.
      await setStatus("deleting");
      expect((await pool.describe()).runId).not.toBe(firstRunId);
      expect(await pool.result()).toEqual({
        outcome: "drained",
        reason: "the runner configuration was deleted",
      });
      await eventually("everything torn down", () => nothingLeft(runnerId, "hangar-warm"), 60_000);
      const deleted = await h.database.db
        .selectFrom("runners")
        .select(["status", "deleted_at"])
        .where("id", "=", runnerId)
        .executeTakeFirstOrThrow();
      expect(deleted.status).toBe("deleting");
      expect(deleted.deleted_at).not.toBeNull();
      await recordHistory(h.isolated.client, pool.workflowId, historiesDir, "runner-pool-min-idle");
    },
  );

  it("backs off a runner that never registers, puts its configuration in error, and recovers when it changes", async () => {
    // The local cluster has amd64 nodes only: an arm64 runner's pod is never scheduled,
    // as a runner whose image never starts would never register.
    const runnerId = await h.addRunner({ name: "hangar-arm", arch: "arm64", maxRunners: 10 });
    const jobIds = await h.queueJobs(
      ["1", "2", "3", "4", "5"].map((n) => ({ name: `arm-${n}`, labels: ["hangar-arm"] })),
    );
    const configuration = () =>
      h.database.db
        .selectFrom("runners")
        .select(["status", "status_message"])
        .where("id", "=", runnerId)
        .executeTakeFirstOrThrow();
    const broken = await eventually(
      "the configuration in error",
      async () => {
        const row = await configuration();
        return row.status === "error" ? row : undefined;
      },
      80_000,
    );
    expect(broken.status_message).toMatch(
      /^5 runners in a row failed to start; the last: the runner did not register with GitHub within 10 s\./,
    );
    // Five started together; a replacement may have followed the first failure after
    // its backoff. Every one of them failed the same way and was torn down.
    const failed = await eventually("every instance ended", async () => {
      const rows = await h.instances(runnerId);
      return rows.every((i) => terminal.has(i.state)) ? rows : undefined;
    });
    expect(failed.length).toBeGreaterThanOrEqual(5);
    for (const instance of failed) {
      expect(instance.state).toBe("failed");
      expect(instance.failure_reason).toBe("the runner did not register with GitHub within 10 s");
    }
    expect(await h.pods(runnerId)).toEqual([]);
    expect(await h.secrets(runnerId)).toEqual([]);
    expect(await h.githubRunners("hangar-arm")).toEqual([]);

    // Halted: evaluations go on, no instance is started.
    const seen = (await h.poolStatus(runnerId)).evaluations;
    await eventually("two more evaluations", async () =>
      (await h.poolStatus(runnerId)).evaluations >= seen + 2 ? true : undefined,
    );
    expect(await h.instances(runnerId)).toHaveLength(failed.length);

    // The configuration changes (an amd64 offering): the pool tries again and the
    // queued jobs run.
    const amd64 = await h.database.db
      .insertInto("runner_offerings")
      .values({
        id: "test-arm-fixed",
        name: "test-arm-fixed",
        cpu: "500m",
        memory: "512Mi",
        image_repository: "ghcr.io/actions/actions-runner",
        image_tag: "2.330.0",
        price_per_minute: "0.008000",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await h.database.db
      .updateTable("runners")
      .set({ offering_id: amd64.id })
      .where("id", "=", runnerId)
      .execute();
    await h.startPool(runnerId);
    const jobs = await eventually(
      "the queued jobs completed",
      async () => {
        const found = await jobsOnGitHub(jobIds);
        return found.every((job) => job.status === "completed") ? found : undefined;
      },
      60_000,
    );
    expect(jobs.map((job) => job.conclusion)).toEqual(jobs.map(() => "success"));
    expect(await configuration()).toEqual({ status: "active", status_message: null });
    await eventually("everything torn down", () => nothingLeft(runnerId, "hangar-arm"), 60_000);
  });

  it("replaces a runner whose pod is deleted mid-job and records the job as lost", async () => {
    const runnerId = await h.addRunner({ name: "hangar-solo", maxRunners: 1 });
    // One runner at a time: the long job takes it, the short one waits for the next.
    const [longJob, shortJob] = await h.queueJobs([
      { name: "long", labels: ["hangar-solo"], durationMs: 10 * 60_000 },
      { name: "short", labels: ["hangar-solo"], durationMs: 1_000 },
    ]);
    const running = await eventually(
      "the long job running on a recorded runner",
      async () => {
        const job = await h.database.db
          .selectFrom("jobs")
          .select(["runner_instance_id", "runner_name"])
          .where("github_job_id", "=", BigInt(longJob!))
          .executeTakeFirst();
        const [instance] = await h.instances(runnerId);
        return job?.runner_instance_id != null && instance?.state === "busy" ? instance : undefined;
      },
      60_000,
    );
    await h.namespace.core.deleteNamespacedPod({
      namespace: h.namespace.name,
      name: running.name,
    });

    const lost = await eventually("the runner's record to say what happened", async () => {
      const [row] = (await h.instances(runnerId)).filter((i) => i.name === running.name);
      return row?.state === "failed" ? row : undefined;
    });
    expect(lost.failure_reason).toMatch(
      new RegExp(
        `^the pod (was|is being) deleted while running (job ${longJob}|its job); the job is lost$`,
      ),
    );
    const [jobs, github] = await Promise.all([
      eventually("the long job recorded as failed", async () => {
        const row = await h.database.db
          .selectFrom("jobs")
          .select(["status", "conclusion", "runner_instance_id"])
          .where("github_job_id", "=", BigInt(longJob!))
          .executeTakeFirst();
        return row?.status === "completed" ? row : undefined;
      }),
      eventually(
        "the short job done on a new runner",
        async () => {
          const [job] = await jobsOnGitHub([shortJob!]);
          return job?.status === "completed" ? job : undefined;
        },
        60_000,
      ),
    ]);
    // The job's record leads to the runner's, which says why it failed.
    expect(jobs).toMatchObject({ conclusion: "failure", runner_instance_id: lost.id });
    expect(github.conclusion).toBe("success");
    expect(github.runnerName).not.toBe(running.name);
    await eventually("everything torn down", () => nothingLeft(runnerId, "hangar-solo"), 60_000);
    await recordHistory(
      h.isolated.client,
      workflowIds.runnerInstance(running.name),
      historiesDir,
      "runner-instance-lost",
    );
  });
});
