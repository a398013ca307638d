import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
  percentile,
  queueBurst,
  queueSeconds,
  settledAtMinimum,
  type BurstConfiguration,
} from "./runner-burst.js";
import { startRunnerHarness, type RunnerHarness } from "./runner-harness.js";
import { startRunnerWorker } from "./runner-worker.js";
import type { WorkerProcess } from "./worker-process.js";

// A burst of 200 jobs across three runner configurations of different sizes and
// labels, end to end: simulated GitHub → intake → job workflows → pools → pods on the
// local cluster → runners the simulator brings online, gives jobs and ends. While it
// runs, every configuration's pods are counted after every change (a watch) and its
// pods and live instance rows are polled; none may ever exceed its maxRunners.

const JOBS = 200;

const CONFIGURATIONS: BurstConfiguration[] = [
  {
    name: "hangar-small",
    cpu: "500m",
    memory: "512Mi",
    maxRunners: 8,
    jobLabels: ["self-hosted", "hangar-small"],
    weight: 9,
  },
  {
    name: "hangar-medium",
    labels: ["linux", "medium"],
    cpu: "1",
    memory: "2Gi",
    maxRunners: 5,
    // One runner kept warm: the burst must end with exactly one idle runner left.
    minIdle: 1,
    jobLabels: ["self-hosted", "linux", "medium"],
    weight: 6,
  },
  {
    name: "hangar-large",
    labels: ["large"],
    cpu: "2",
    memory: "4Gi",
    maxRunners: 4,
    minIdle: 0,
    spot: true,
    jobLabels: ["self-hosted", "large"],
    weight: 5,
  },
];

let h: RunnerHarness;
let worker: WorkerProcess | undefined;
let ledger: PodLedger | undefined;

beforeAll(async () => {
  // The worker in a process of its own, as in production: wired by main/worker.ts.
  h = await startRunnerHarness({ worker: "none" });
  worker = startRunnerWorker(h);
  await worker.ready;
});

afterAll(async () => {
  await ledger?.stop().catch(() => undefined);
  // Before the database goes: dropping it waits for no connection, it fails on one.
  await worker?.stop();
  await h.close();
});

describe("a burst of jobs across three runner configurations", () => {
  it(
    "runs every job on a matching runner within each maxRunners and leaves only the minimum idle",
    { timeout: 480_000 },
    async () => {
      const configurations = await addConfigurations(h, CONFIGURATIONS);
      const medium = configurations.find((c) => c.name === "hangar-medium")!;
      // A configuration with a minimum runs its pool before any job asks (a worker
      // starts the pools of those that exist when it starts; this one came later).
      await h.startPool(medium.id);
      await settledAtMinimum(h, medium, 60_000);

      ledger = await startPodLedger(h.namespace.kubeConfig, h.namespace.name);
      const sampler = startConcurrencySampler({
        db: h.database.db,
        core: h.namespace.core,
        namespace: h.namespace.name,
        intervalMs: 200,
      });
      const burst = burstJobs(CONFIGURATIONS, JOBS, [1_000, 1_500, 2_000, 2_500]);
      const began = Date.now();
      const jobIds = await queueBurst(h, burst);
      const jobs = await worker!.whileRunning(completedOnGitHub(h, jobIds, 360_000));
      const burstMs = Date.now() - began;
      const sampled = await sampler.stop();

      const instances = await instancesOf(h, configurations);
      expectJobsOnMatchingRunners(jobs, burst, jobIds, configurations, instances);

      // Never more runners than allowed: not in any listing, not in any poll of the
      // records admission counts, and not after any change the watch saw.
      const peaks = configurations.map((c) => ({
        name: c.name,
        maxRunners: c.maxRunners,
        watched: ledger!.maxPresent(c.id),
        watchedActive: ledger!.maxActive(c.id),
        ...sampled.peaks.get(c.id),
      }));
      for (const peak of peaks) {
        expect(peak.watched, peak.name).toBeLessThanOrEqual(peak.maxRunners);
        expect(peak.pods, peak.name).toBeLessThanOrEqual(peak.maxRunners);
        expect(peak.rows, peak.name).toBeLessThanOrEqual(peak.maxRunners);
        // The burst was big enough to reach the ceiling: the check above was not idle.
        expect(peak.rows, peak.name).toBe(peak.maxRunners);
      }
      expectPodResources(ledger, configurations);

      // Everything settles: the medium configuration keeps its one warm runner, the
      // others go to zero; all of it (pods, Secrets, GitHub runners, records).
      for (const configuration of configurations) {
        await settledAtMinimum(h, configuration, 30_000);
      }
      await ledger.stop();
      const final = await instancesOf(h, configurations);
      const pods = expectOnePodPerInstance(ledger, final);

      // One JIT registration per instance, none for anything else: no retry re-minted.
      const mints = h.recorder.mintsByName();
      const names = [...final.values()].flat().map((row) => row.name);
      expect(new Set(mints.keys())).toEqual(new Set(names));
      expect([...mints.values()].filter((count) => count !== 1)).toEqual([]);

      const rows = [...final.values()].flat();
      expect(rows.filter((row) => row.state === "failed")).toEqual([]);
      expect(rows.filter((row) => row.github_job_id !== null)).toHaveLength(JOBS);

      // The database agrees with GitHub: each job completed, linked to its runner's record.
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
      const byId = new Map(rows.map((row) => [row.id, row]));
      const onGitHub = new Map(jobs.map((job) => [BigInt(job.id), job]));
      for (const job of recorded) {
        expect(job.conclusion).toBe("success");
        expect(job.runner_name).toBe(onGitHub.get(job.github_job_id)!.runnerName);
        expect(byId.get(job.runner_instance_id!)?.name).toBe(job.runner_name);
      }

      const queued = queueSeconds(jobs);
      // Runners made for the burst (not the warm one from before it).
      const created = rows.filter((row) => row.created_at.getTime() >= began).length;
      console.info(
        `[runner-burst] ${JOBS} jobs in ${(burstMs / 1000).toFixed(1)} s; ` +
          `${created} runners (${((created * 60_000) / burstMs).toFixed(0)} pods/min); ` +
          `queue time p50 ${percentile(queued, 50).toFixed(1)} s, p90 ${percentile(queued, 90).toFixed(1)} s; ` +
          `${sampled.samples} polls; peaks per configuration (max: watched/active pods, polled pods/rows): ` +
          peaks
            .map(
              (p) =>
                `${p.name} ${p.maxRunners}: ${p.watched}/${p.watchedActive}, ${p.pods}/${p.rows} ` +
                `(${pods.get(configurations.find((c) => c.name === p.name)!.id)} pods)`,
            )
            .join("; "),
      );
    },
  );
});
