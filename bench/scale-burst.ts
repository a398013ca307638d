import type { ScaleChain } from "./scale-chain.js";
import { BenchTimeoutError, waitFor } from "./scale-wait.js";

// A burst: many jobs queued at once for one configuration whose maxRunners is no limit.
// Each runner needs a JIT registration, which the GitHub client budgets per endpoint, so
// runners can be made no faster than that budget allows; the question is whether they
// are made that fast, and without GitHub ever refusing a request for its rate limits.

/** GitHub runs hold at most 256 jobs. */
const JOBS_PER_RUN = 250;
const JIT_PATH = "/actions/runners/generate-jitconfig";

export interface BurstRun {
  jobs: number;
  /** When each pod of the configuration was created, ms after the first job was queued. */
  podTimesMs: number[];
  /** When each JIT registration was answered 201, ms after the first job was queued. */
  jitTimesMs: number[];
  /** When the intake accepted each job's queued delivery, ms after the first job was queued. */
  acceptTimesMs: number[];
  /** When each job workflow recorded its job (its last step before demand), likewise. */
  recordedTimesMs: number[];
  /** When each runner instance was admitted (its row written), likewise. */
  admittedTimesMs: number[];
  /** When each runner was seen registered with GitHub, ms after the first job was queued. */
  registeredTimesMs: number[];
  /** Seconds from each runner's admission to its registration with GitHub. */
  bootSeconds: number[];
  completedJobs: number;
  /** Instances that ended failed, by reason. */
  failures: Map<string, number>;
  /** REST requests GitHub answered 403 or 429, by method and path. */
  rateLimited: Map<string, number>;
  /** REST requests during the burst, and those made with the installation's token. */
  requests: number;
  installationRequests: number;
  /** Most runner pods that existed at once. */
  peakPods: number;
  /** From the first job queued to every runner gone. */
  totalMs: number;
  /** What did not finish in time, if anything. */
  incomplete: string | null;
}

/**
 * A budget-bound burst takes one budget window (60 s and a margin) per `jitPerMinute`
 * runners after the first; four times that, and two minutes, before giving up, so a
 * slower run is still measured rather than cut short.
 */
export function defaultPodsTimeoutMs(jobs: number, jitPerMinute: number): number {
  return Math.ceil(jobs / jitPerMinute) * 61_000 * 4 + 120_000;
}

export async function runBurst(
  chain: ScaleChain,
  input: {
    runnerName: string;
    jobs: number;
    jitPerMinute: number;
    jobDurationMs: number;
    /** How long to wait for every pod; the budget decides a default. */
    podsTimeoutMs?: number;
  },
): Promise<BurstRun> {
  const runnerId = chain.runnerIds.get(input.runnerName);
  if (runnerId === undefined) throw new Error(`no runner configuration ${input.runnerName}`);
  const firstRequest = chain.sim.stats().requests.length;
  const startedWall = Date.now();
  const started = performance.now();
  const jobIds = new Set<number>();
  for (let queued = 0; queued < input.jobs; queued += JOBS_PER_RUN) {
    const count = Math.min(JOBS_PER_RUN, input.jobs - queued);
    for (const id of await chain.queueJobs(input.runnerName, count, input.jobDurationMs)) {
      jobIds.add(id);
    }
  }

  const podsTimeoutMs = input.podsTimeoutMs ?? defaultPodsTimeoutMs(input.jobs, input.jitPerMinute);
  let incomplete: string | null = null;
  let completedJobs = 0;
  const steps: [string, () => Promise<unknown>][] = [
    [
      `${input.jobs} runner pods`,
      () =>
        waitFor(
          `${input.jobs} runner pods`,
          () => (chain.pods.added(runnerId).length >= input.jobs ? true : undefined),
          { timeoutMs: podsTimeoutMs, intervalMs: 100 },
        ),
    ],
    [
      "every job to complete",
      () =>
        waitFor(
          "every job to complete on GitHub",
          async () => {
            const jobs = await chain.sim.control.jobs();
            completedJobs = jobs.filter(
              (job) => jobIds.has(job.id) && job.status === "completed",
            ).length;
            return completedJobs === jobIds.size ? true : undefined;
          },
          { timeoutMs: 300_000, intervalMs: 1_000 },
        ),
    ],
    [
      "every runner to be removed",
      () =>
        waitFor(
          "every runner to be removed",
          async () => {
            const live = await chain.db
              .selectFrom("runner_instances")
              .select((eb) => eb.fn.countAll<string>().as("n"))
              .where("runner_id", "=", runnerId)
              .where("state", "not in", ["terminated", "failed"])
              .executeTakeFirstOrThrow();
            return Number(live.n) === 0 && chain.pods.live(runnerId) === 0 ? true : undefined;
          },
          { timeoutMs: 300_000, intervalMs: 1_000 },
        ),
    ],
  ];
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (error) {
      if (!(error instanceof BenchTimeoutError)) throw error;
      incomplete = `gave up waiting for ${what}`;
      break;
    }
  }
  const totalMs = performance.now() - started;

  const requests = chain.sim.stats().requests.slice(firstRequest);
  const rateLimited = new Map<string, number>();
  for (const entry of requests) {
    if (entry.status !== 403 && entry.status !== 429) continue;
    const key = `${entry.method} ${entry.path}`;
    rateLimited.set(key, (rateLimited.get(key) ?? 0) + 1);
  }
  const instances = await chain.db
    .selectFrom("runner_instances")
    .select(["state", "failure_reason", "created_at", "registered_at", "boot_seconds"])
    .where("runner_id", "=", runnerId)
    .execute();
  const failures = new Map<string, number>();
  for (const row of instances.filter((instance) => instance.state === "failed")) {
    const reason = row.failure_reason ?? "no reason recorded";
    failures.set(reason, (failures.get(reason) ?? 0) + 1);
  }
  const accepts = [...jobIds].map((id) => chain.accepts.acceptedAt(id));
  const recorded = await chain.db
    .selectFrom("jobs")
    .select("created_at")
    .where("github_job_id", "in", [...jobIds].map(BigInt))
    .execute();

  return {
    jobs: input.jobs,
    podTimesMs: chain.pods.added(runnerId).map((pod) => pod.at - started),
    jitTimesMs: requests
      .filter(
        (entry) => entry.method === "POST" && entry.path.endsWith(JIT_PATH) && entry.status === 201,
      )
      .map((entry) => entry.at - startedWall),
    acceptTimesMs: accepts.filter((at) => at !== undefined).map((at) => at - started),
    recordedTimesMs: recorded.map((row) => row.created_at.getTime() - startedWall),
    admittedTimesMs: instances.map((row) => row.created_at.getTime() - startedWall),
    registeredTimesMs: instances.flatMap((row) =>
      row.registered_at === null ? [] : [row.registered_at.getTime() - startedWall],
    ),
    bootSeconds: instances.flatMap((row) => (row.boot_seconds === null ? [] : [row.boot_seconds])),
    completedJobs,
    failures,
    rateLimited,
    requests: requests.length,
    installationRequests: requests.filter((entry) => entry.installationId !== undefined).length,
    peakPods: chain.pods.peak(runnerId),
    totalMs,
    incomplete,
  };
}
