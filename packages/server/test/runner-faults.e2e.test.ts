import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sql } from "kysely";
import { eventually } from "@hangar/testkit";
import { startConcurrencySampler } from "./concurrency-sampler.js";
import { startPodLedger, type PodLedger } from "./pod-ledger.js";
import {
  addConfigurations,
  burstJobs,
  completedOnGitHub,
  expectJobsOnMatchingRunners,
  expectOnePodPerInstance,
  expectPodResources,
  instancesOf,
  queueBurst,
  settledAtMinimum,
  type BurstConfiguration,
} from "./runner-burst.js";
import { startRunnerHarness, type RunnerHarness } from "./runner-harness.js";
import { startRunnerWorker } from "./runner-worker.js";
import type { WorkerProcess } from "./worker-process.js";

// Runner provisioning with its worker SIGKILLed in the middle of a burst: no shutdown,
// its workflow tasks and activities (launches, watches, teardowns) abandoned wherever
// they were. A new worker process takes over once Temporal gives up on the old one's
// tasks. Every pod, JIT registration and GitHub runner created along the way is
// accounted for: none twice, none left behind, and every job still runs.

const JOBS = 40;
/** The advisory lock the second test holds launches' records back with. */
const LAUNCH_RECORD_LOCK = 736_201;

const CONFIGURATIONS: BurstConfiguration[] = [
  {
    name: "hangar-small",
    cpu: "500m",
    memory: "512Mi",
    maxRunners: 8,
    jobLabels: ["self-hosted", "hangar-small"],
    weight: 1,
  },
  {
    name: "hangar-medium",
    labels: ["linux", "medium"],
    cpu: "1",
    memory: "2Gi",
    maxRunners: 5,
    jobLabels: ["self-hosted", "linux", "medium"],
    weight: 1,
  },
];

let h: RunnerHarness;
const workers: WorkerProcess[] = [];
let ledger: PodLedger | undefined;

beforeAll(async () => {
  h = await startRunnerHarness({ worker: "none" });
});

// Each test has its own workers: one left polling would take the next test's work.
afterEach(async () => {
  h.recorder.holdRegistrations(false);
  await Promise.all(workers.map((w) => w.stop()));
});

afterAll(async () => {
  await ledger?.stop().catch(() => undefined);
  // Before the database goes: dropping it waits for no connection, it fails on one.
  await Promise.all(workers.map((w) => w.stop()));
  await h.close();
});

const startWorker = async (): Promise<WorkerProcess> => {
  const worker = startRunnerWorker(h);
  workers.push(worker);
  await worker.ready;
  return worker;
};

describe("runner provisioning with its worker SIGKILLed mid-burst", () => {
  it(
    "creates no pod or JIT registration twice, runs every job and leaves nothing behind",
    { timeout: 420_000 },
    async () => {
      const configurations = await addConfigurations(h, CONFIGURATIONS);
      const first = await startWorker();
      ledger = await startPodLedger(h.namespace.kubeConfig, h.namespace.name);
      const sampler = startConcurrencySampler({
        db: h.database.db,
        core: h.namespace.core,
        namespace: h.namespace.name,
        intervalMs: 200,
      });
      const burst = burstJobs(CONFIGURATIONS, JOBS, [1_000, 2_000, 3_000]);
      const began = Date.now();
      const jobIds = await queueBurst(h, burst);

      // Mid-burst, at the worst moment for a launch: GitHub has minted a runner's JIT
      // registration, and the worker has not yet heard (the recorder holds the answer
      // back), so no Secret carries its config and the row does not record it.
      const completed = async () =>
        (await h.sim.control.jobs()).filter(
          (job) => jobIds.includes(job.id) && job.status === "completed",
        ).length;
      const rowsIn = async (state: string) =>
        (await h.database.db.selectFrom("runner_instances").select(["name", "state"]).execute())
          .filter((row) => row.state === state)
          .map((row) => row.name);
      await first.whileRunning(
        eventually(
          "a quarter of the jobs done",
          async () => ((await completed()) >= JOBS / 4 ? true : undefined),
          120_000,
        ),
      );
      h.recorder.holdRegistrations(true);
      await first.whileRunning(
        eventually("a registration minted and not yet answered", () =>
          Promise.resolve(h.recorder.held().length > 0 ? true : undefined),
        ),
      );
      const exit = await first.kill();
      const killedAt = Date.now();
      h.recorder.holdRegistrations(false);
      expect(exit.signal).toBe("SIGKILL");
      // Registrations the killed worker never heard of; launches under way besides.
      const orphaned = new Set(h.recorder.orphaned());
      expect(orphaned.size).toBeGreaterThan(0);
      const pendingAtKill = new Set(await rowsIn("pending"));
      for (const name of orphaned) expect(pendingAtKill.has(name), name).toBe(true);
      const doneAtKill = await completed();
      expect(doneAtKill).toBeLessThan(JOBS);

      const second = await startWorker();
      const jobs = await second.whileRunning(completedOnGitHub(h, jobIds, 300_000));
      const recoveredMs = Date.now() - killedAt;
      const sampled = await sampler.stop();
      for (const configuration of configurations) {
        await second.whileRunning(settledAtMinimum(h, configuration, 60_000));
      }
      await ledger.stop();

      const instances = await instancesOf(h, configurations);
      expectJobsOnMatchingRunners(jobs, burst, jobIds, configurations, instances);
      // No pod twice: one pod ever per instance, and every pod is an instance's.
      expectOnePodPerInstance(ledger, instances);
      expectPodResources(ledger, configurations);

      // JIT registrations: one per instance, except where the worker died between
      // GitHub's answer and recording it. Its retried launch finds the name taken (409)
      // by a runner that never came online (no Secret ever carried its config), removes
      // it and registers again: two for exactly those instances, never both alive at once.
      const rows = [...instances.values()].flat();
      const mints = h.recorder.mintsByName();
      expect(new Set(mints.keys())).toEqual(new Set(rows.map((row) => row.name)));
      const minted = [...mints].filter(([, count]) => count > 1);
      expect(new Set(minted.map(([name]) => name))).toEqual(orphaned);
      expect(minted.map(([, count]) => count)).toEqual(minted.map(() => 2));
      const registrations = h.recorder.registrations();
      const removals = h.recorder.removals();
      for (const name of orphaned) {
        const [firstMint, secondMint] = registrations.filter(
          (r) => r.name === name && r.status === 201,
        );
        const removal = removals.find((r) => r.runnerId === firstMint!.runnerId);
        expect(removal?.status, `removal of ${name}'s first registration`).toBe(204);
        expect(removal!.seq).toBeLessThan(secondMint!.seq);
        expect(
          registrations.some((r) => r.name === name && r.status === 409 && r.seq < removal!.seq),
        ).toBe(true);
      }
      const conflicts = registrations.filter((r) => r.status === 409);
      for (const conflict of conflicts) expect(orphaned.has(conflict.name)).toBe(true);

      // Never more runners than allowed, the outage included.
      for (const configuration of configurations) {
        const peak = sampled.peaks.get(configuration.id)!;
        expect(ledger.maxPresent(configuration.id)).toBeLessThanOrEqual(configuration.maxRunners);
        expect(peak.pods).toBeLessThanOrEqual(configuration.maxRunners);
        expect(peak.rows).toBeLessThanOrEqual(configuration.maxRunners);
      }

      // A runner failed only if its start was cut short by the kill. The simulator's runner
      // reads its pod's Secret for a few seconds only, where Kubernetes would start the
      // container whenever the Secret appears: a pod whose Secret came with the retried
      // launch, after the outage, never registers here and fails to start.
      const failed = rows.filter((row) => row.state === "failed");
      for (const row of failed) expect(pendingAtKill.has(row.name), row.failure_reason!).toBe(true);

      // The database agrees with GitHub: each job completed, linked to its runner's record.
      const byName = new Map(rows.map((row) => [row.name, row]));
      const recorded = await eventually("every job recorded as completed", async () => {
        const found = await h.database.db
          .selectFrom("jobs")
          .select(["github_job_id", "status", "conclusion", "runner_name", "runner_instance_id"])
          .where("github_job_id", "in", jobIds.map(BigInt))
          .execute();
        return found.length === JOBS &&
          found.every((job) => job.status === "completed" && job.runner_instance_id !== null)
          ? found
          : undefined;
      });
      for (const job of recorded) {
        expect(job.conclusion).toBe("success");
        expect(byName.get(job.runner_name!)?.id).toBe(job.runner_instance_id);
      }

      console.info(
        `[runner-faults] ${JOBS} jobs; worker ${first.pid} SIGKILLed after ` +
          `${((killedAt - began) / 1000).toFixed(1)} s with ${doneAtKill} jobs done and ` +
          `${pendingAtKill.size} runners being launched (${orphaned.size} registered unbeknown ` +
          `to it); ${second.pid} finished the burst ` +
          `${(recoveredMs / 1000).toFixed(1)} s later; ${rows.length} runners, ` +
          `${ledger.pods().length} pods, ${[...mints.values()].reduce((a, b) => a + b, 0)} JIT ` +
          `registrations (${minted.length} instances registered twice, ${conflicts.length} ` +
          `conflicts), ${failed.length} failed (${JSON.stringify(failed.map((r) => r.failure_reason))}); peaks ` +
          configurations
            .map((c) => `${c.name} ${ledger!.maxPresent(c.id)}/${c.maxRunners}`)
            .join(", "),
      );
    },
  );

  it(
    "adopts a registration whose runner came online before the killed worker recorded its launch",
    { timeout: 300_000 },
    async () => {
      // PostgreSQL holds back every launch's record (a trigger waits on a lock this test
      // holds), so the launch stops at its very last step: the config is in the pod's
      // Secret and its runner comes online, and the row does not say so yet.
      await sql`
        create function hold_launch_record() returns trigger language plpgsql as $$
        begin
          perform pg_advisory_xact_lock(${sql.lit(LAUNCH_RECORD_LOCK)});
          return new;
        end $$
      `.execute(h.database.db);
      await sql`
        create trigger hold_launch_record before update of github_runner_id on runner_instances
        for each row when (old.github_runner_id is null and new.github_runner_id is not null)
        execute function hold_launch_record()
      `.execute(h.database.db);
      let release = (): void => undefined;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked = (_pid: number): void => undefined;
      const lockedBy = new Promise<number>((resolve) => {
        locked = resolve;
      });
      const lock = h.database.db.connection().execute(async (connection) => {
        await sql`select pg_advisory_lock(${LAUNCH_RECORD_LOCK})`.execute(connection);
        const { rows } = await sql<{
          pid: number;
        }>`select pg_backend_pid() as pid`.execute(connection);
        locked(rows[0]!.pid);
        await released;
        await sql`select pg_advisory_unlock(${LAUNCH_RECORD_LOCK})`.execute(connection);
      });
      try {
        const lockPid = await lockedBy;
        const warm = { name: "hangar-adopt", minIdle: 1, maxRunners: 2 };
        const runnerId = await h.addRunner(warm);
        const first = await startWorker();
        await h.startPool(runnerId);
        const online = await first.whileRunning(
          eventually("the warm runner online on GitHub", async () => {
            const [runner] = await h.githubRunners(warm.name);
            return runner?.status === "online" ? runner : undefined;
          }),
        );
        const blocked = await eventually("the launch's record waiting", async () => {
          const { rows } = await sql<{ pid: number }>`
            select pid from pg_stat_activity where ${lockPid} = any(pg_blocking_pids(pid))
          `.execute(h.database.db);
          return rows.length > 0 ? rows : undefined;
        });
        expect((await h.instances(runnerId)).map((row) => row.state)).toEqual(["pending"]);
        expect((await first.kill()).signal).toBe("SIGKILL");
        // The waiting write dies with its worker, as it would with the worker's host
        // (PostgreSQL itself notices a vanished client only when it next talks to it).
        for (const { pid } of blocked) {
          await sql`select pg_terminate_backend(${pid})`.execute(h.database.db);
        }
        release();
        await lock;
        await sql`drop trigger hold_launch_record on runner_instances`.execute(h.database.db);

        // The retried launch finds the name taken by a runner that is online: its config
        // reached the pod, so the runner is taken over, not replaced by one that no pod
        // will ever run.
        await startWorker();
        const row = await eventually(
          "the warm runner recorded as idle",
          async () => {
            const rows = await h.instances(runnerId);
            return rows.length === 1 && rows[0]!.state === "idle" ? rows[0] : undefined;
          },
          90_000,
        );
        expect(row.name).toBe(online.name);
        expect(Number(row.github_runner_id)).toBe(online.id);
        expect(h.recorder.mintsByName().get(online.name)).toBe(1);
        expect(h.recorder.removals().filter((r) => r.runnerId === online.id)).toEqual([]);
        expect(await h.githubRunners(warm.name)).toMatchObject([
          { name: online.name, id: online.id, status: "online", busy: false },
        ]);
        expect((await h.pods(runnerId)).map((pod) => pod.metadata?.name)).toEqual([online.name]);
      } finally {
        release();
        await lock.catch(() => undefined);
        await sql`drop trigger if exists hold_launch_record on runner_instances`.execute(
          h.database.db,
        );
      }
    },
  );
});
