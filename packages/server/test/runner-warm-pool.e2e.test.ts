import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "@hangar/testkit";
import { completedOnGitHub, leftovers, settledAtMinimum } from "./runner-burst.js";
import { startRunnerHarness, testRunnerTimings, type RunnerHarness } from "./runner-harness.js";

// Idle runners, end to end: a configuration with a minimum keeps that many idle
// runners before, through and after a burst, and lets them go when the minimum is
// lifted; one without a minimum retires, after the idle timeout, every runner that was
// started for a job it then did not get (cancelled before it started, or taken by a
// runner of someone else's), and ends with nothing at all.

const IDLE_TIMEOUT_MS = testRunnerTimings.idleTimeoutMs!;

let h: RunnerHarness;

beforeAll(async () => {
  h = await startRunnerHarness();
});

afterAll(async () => {
  await h.close();
});

describe("idle runners", () => {
  it(
    "keeps three idle runners through a burst and after it, and scales to zero without a minimum",
    { timeout: 180_000 },
    async () => {
      const warm = { name: "hangar-warm", minIdle: 3, maxRunners: 8 };
      const runnerId = await h.addRunner(warm);
      const configuration = { ...warm, id: runnerId };
      await h.startPool(runnerId);
      await settledAtMinimum(h, configuration, 60_000);
      const ready = (await h.instances(runnerId)).map((row) => row.name);
      const online = await h.githubRunners(warm.name);
      expect(online.filter((r) => r.status === "online" && !r.busy).map((r) => r.name)).toEqual(
        expect.arrayContaining(ready),
      );

      const jobIds = await h.queueJobs(
        Array.from({ length: 12 }, (_, i) => ({
          name: `warm-${i}`,
          labels: ["self-hosted", warm.name],
          durationMs: 1_500,
        })),
      );
      const jobs = await completedOnGitHub(h, jobIds, 90_000);
      expect(jobs.map((job) => job.conclusion)).toEqual(jobs.map(() => "success"));
      // GitHub gave the first jobs to the runners already waiting, the moment they were
      // queued; the pool started the rest and replaced the warm ones as they went busy.
      const firstThree = jobs.filter((job) => jobIds.slice(0, 3).includes(job.id));
      expect(firstThree.map((job) => job.runnerName).sort()).toEqual([...ready].sort());

      // After the burst: three idle runners again, and only those.
      await settledAtMinimum(h, configuration, 60_000);
      const kept = (await h.instances(runnerId)).filter((row) => row.state === "idle");
      expect(kept).toHaveLength(3);
      // They stay: two idle timeouts later, the same three, and no runner came or went.
      const rowsBefore = (await h.instances(runnerId)).length;
      await new Promise((resolve) => setTimeout(resolve, 2 * IDLE_TIMEOUT_MS + 1_000));
      const later = await h.instances(runnerId);
      expect(later).toHaveLength(rowsBefore);
      expect(later.filter((row) => row.state === "idle").map((row) => row.name)).toEqual(
        kept.map((row) => row.name),
      );
      expect(await leftovers(h, configuration)).toEqual({
        pods: 3,
        secrets: 3,
        githubRunners: 3,
        live: { idle: 3 },
      });
      // 12 jobs and three kept: at least 15 runners, none of them failed.
      expect(later.length).toBeGreaterThanOrEqual(15);
      expect(later.filter((row) => row.state === "failed")).toEqual([]);

      // Without a minimum the idle runners have outstayed the idle timeout: all go.
      await h.database.db
        .updateTable("runners")
        .set({ min_idle: 0 })
        .where("id", "=", runnerId)
        .execute();
      await h.startPool(runnerId);
      await settledAtMinimum(h, { ...configuration, minIdle: 0 }, 60_000);
      const retired = (await h.instances(runnerId)).filter((row) =>
        kept.some((k) => k.name === row.name),
      );
      for (const row of retired) {
        expect(row).toMatchObject({
          state: "terminated",
          failure_reason: null,
          github_job_id: null,
        });
      }
    },
  );

  it(
    "retires after the idle timeout a runner whose job was cancelled, or taken by another runner, before it started",
    { timeout: 120_000 },
    async () => {
      const zero = { name: "hangar-zero", minIdle: 0, maxRunners: 4 };
      const runnerId = await h.addRunner(zero);
      const configuration = { ...zero, id: runnerId };

      // Two runners that are not Hangar's but carry the same label, online first, so
      // GitHub gives them the jobs the moment they are queued. Held: each accepts its
      // job but does not start it, so the jobs stay queued while Hangar starts runners
      // for them, and those runners can never get them.
      const outside = ["outside-cancelled", "outside-taker"];
      const client = h.github.installation(h.tenant.installationId);
      for (const name of outside) {
        await client.generateJitConfig({
          scope: { org: h.tenant.repository.ownerLogin },
          name,
          runnerGroup: { id: 1 },
          labels: [zero.name],
          onConflict: "replace",
        });
        await h.sim.control.holdRunner(name);
        await h.sim.control.connectRunner(name);
      }
      const [cancelled, taken] = await h.queueJobs(
        ["cancelled", "taken"].map((name) => ({
          name,
          labels: ["self-hosted", zero.name],
          durationMs: 1_000,
        })),
      );

      // Hangar starts one runner per queued job; both register and wait, idle.
      const started = await eventually(
        "two runners of Hangar's idle",
        async () => {
          const rows = await h.instances(runnerId);
          return rows.length === 2 && rows.every((row) => row.state === "idle") ? rows : undefined;
        },
        60_000,
      );

      // One job is cancelled before it started; the other starts, on the outside runner.
      await h.sim.control.cancelJob(cancelled!);
      await h.sim.control.holdRunner("outside-taker", false);
      const [cancelledJob, takenJob] = await completedOnGitHub(h, [cancelled!, taken!], 30_000);
      expect(cancelledJob).toMatchObject({ conclusion: "cancelled", runnerName: null });
      expect(takenJob).toMatchObject({ conclusion: "success", runnerName: "outside-taker" });

      // Nothing wanted any more: both of Hangar's runners go after the idle timeout.
      await settledAtMinimum(h, configuration, 60_000);
      const rows = await h.instances(runnerId);
      expect(rows.map((row) => row.name).sort()).toEqual(started.map((row) => row.name).sort());
      for (const row of rows) {
        // Retired, not failed, having run no job.
        expect(row).toMatchObject({
          state: "terminated",
          failure_reason: null,
          github_job_id: null,
        });
        // Kept for the idle timeout first: a job might still have come.
        expect(row.terminated_at!.getTime() - row.registered_at!.getTime()).toBeGreaterThanOrEqual(
          IDLE_TIMEOUT_MS,
        );
      }
      // The jobs' records say the same: one cancelled with no runner, one run elsewhere.
      const recorded = await eventually("both jobs recorded as completed", async () => {
        const found = await h.database.db
          .selectFrom("jobs")
          .select(["github_job_id", "conclusion", "runner_name", "runner_instance_id"])
          .where("github_job_id", "in", [BigInt(cancelled!), BigInt(taken!)])
          .where("status", "=", "completed")
          .orderBy("github_job_id")
          .execute();
        return found.length === 2 ? found : undefined;
      });
      expect(recorded).toEqual([
        {
          github_job_id: BigInt(cancelled!),
          conclusion: "cancelled",
          runner_name: null,
          runner_instance_id: null,
        },
        {
          github_job_id: BigInt(taken!),
          conclusion: "success",
          runner_name: "outside-taker",
          runner_instance_id: null,
        },
      ]);
      const pool = await eventually("the pool to count nothing", async () => {
        const status = await h.poolStatus(runnerId);
        return status.instances.length === 0 ? status : undefined;
      });
      expect(pool.queuedJobIds).toEqual([]);
    },
  );
});
