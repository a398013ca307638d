import { expect } from "vitest";
import type { JobView } from "@hangar/github-sim";
import { eventually } from "@hangar/testkit";
import type { InstanceRow, RunnerConfigurationInput, RunnerHarness } from "./runner-harness.js";
import type { PodLedger } from "./pod-ledger.js";

// Test-only: bursts of jobs across several runner configurations on the runner
// harness, and the checks every burst must pass whatever happened during it: each job
// ran once, on a runner of a configuration whose labels cover the job's; every pod and
// JIT registration belongs to exactly one recorded instance; and what is left over
// afterwards is exactly each configuration's minimum of idle runners.

export interface BurstConfiguration extends RunnerConfigurationInput {
  cpu: string;
  memory: string;
  maxRunners: number;
  /** The runs-on labels of its jobs (GitHub's defaults included, as workflows write them). */
  jobLabels: string[];
  /** Its share of the burst, in jobs out of every `sum of weights`. */
  weight: number;
}

export interface AddedConfiguration extends BurstConfiguration {
  id: string;
}

export interface BurstJob {
  name: string;
  labels: string[];
  durationMs: number;
  /** The configuration the job asks for. */
  configuration: string;
}

/** The value, or a failure naming what was missing. */
function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`missing: ${what}`);
  return value;
}

/** GitHub's labels on every JIT runner besides the ones it registers with. */
const GITHUB_DEFAULT_LABELS = ["self-hosted", "linux", "x64"];
/** GitHub queues at most 256 jobs per run. */
const JOBS_PER_RUN = 200;

export async function addConfigurations(
  h: RunnerHarness,
  configurations: BurstConfiguration[],
): Promise<AddedConfiguration[]> {
  const added: AddedConfiguration[] = [];
  for (const configuration of configurations) {
    added.push({ ...configuration, id: await h.addRunner(configuration) });
  }
  return added;
}

/**
 * `total` jobs interleaved across the configurations by weight, with durations
 * cycling through `durationsMs`, so every configuration is busy for the whole burst.
 */
export function burstJobs(
  configurations: BurstConfiguration[],
  total: number,
  durationsMs: number[],
): BurstJob[] {
  const slots = configurations.flatMap((c) => Array.from({ length: c.weight }, () => c));
  return Array.from({ length: total }, (_, i) => {
    const configuration = present(slots[i % slots.length], "a configuration with weight");
    return {
      name: `${configuration.name}-job-${i}`,
      labels: configuration.jobLabels,
      durationMs: present(durationsMs[i % durationsMs.length], "a job duration"),
      configuration: configuration.name,
    };
  });
}

export async function queueBurst(h: RunnerHarness, jobs: BurstJob[]): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < jobs.length; start += JOBS_PER_RUN) {
    const run = jobs.slice(start, start + JOBS_PER_RUN);
    ids.push(
      ...(await h.queueJobs(
        run.map(({ name, labels, durationMs }) => ({ name, labels, durationMs })),
      )),
    );
  }
  return ids;
}

export async function completedOnGitHub(
  h: RunnerHarness,
  jobIds: number[],
  timeoutMs: number,
): Promise<JobView[]> {
  const wanted = new Set(jobIds);
  return eventually(
    `the ${jobIds.length} jobs completed on GitHub`,
    async () => {
      const jobs = (await h.sim.control.jobs()).filter((job) => wanted.has(job.id));
      return jobs.length === jobIds.length && jobs.every((job) => job.status === "completed")
        ? jobs
        : undefined;
    },
    timeoutMs,
  );
}

/** Every instance of the configurations, as recorded. */
export async function instancesOf(
  h: RunnerHarness,
  configurations: AddedConfiguration[],
): Promise<Map<string, InstanceRow[]>> {
  const rows = await Promise.all(configurations.map((c) => h.instances(c.id)));
  return new Map(configurations.map((c, i) => [c.id, present(rows[i], c.name)]));
}

/**
 * Each job succeeded on a runner Hangar recorded, of the configuration the job asked
 * for, whose registered labels (with GitHub's defaults) include every label of the
 * job; and no runner ran two jobs (JIT runners are ephemeral).
 */
export function expectJobsOnMatchingRunners(
  jobs: JobView[],
  burst: BurstJob[],
  jobIds: number[],
  configurations: AddedConfiguration[],
  instances: Map<string, InstanceRow[]>,
): void {
  const byName = new Map<string, InstanceRow>();
  for (const rows of instances.values()) for (const row of rows) byName.set(row.name, row);
  const configurationOf = new Map(configurations.map((c) => [c.id, c]));
  const asked = new Map(jobIds.map((id, i) => [id, burst[i]]));
  const ran = new Map<string, number>();
  for (const job of jobs) {
    expect(job.conclusion, `job ${job.id}`).toBe("success");
    const instance = present(
      job.runnerName === null ? undefined : byName.get(job.runnerName),
      `Hangar's record of the runner of job ${job.id} (${job.runnerName ?? "none"})`,
    );
    const configuration = present(configurationOf.get(instance.runner_id), instance.runner_id);
    expect(configuration.name, `the configuration of job ${job.id}`).toBe(
      asked.get(job.id)?.configuration,
    );
    const offered = new Set(
      [...GITHUB_DEFAULT_LABELS, ...instance.labels].map((l) => l.toLowerCase()),
    );
    expect(
      job.labels.filter((label) => !offered.has(label.toLowerCase())),
      `labels of job ${job.id} its runner lacks`,
    ).toEqual([]);
    ran.set(instance.name, (ran.get(instance.name) ?? 0) + 1);
  }
  expect([...ran.values()].filter((count) => count > 1)).toEqual([]);
}

/** Pods of each configuration carry its size; spot ones go to spot capacity. */
export function expectPodResources(ledger: PodLedger, configurations: AddedConfiguration[]): void {
  for (const pod of ledger.pods()) {
    const configuration = present(
      configurations.find((c) => c.id === pod.runnerId),
      `the configuration of pod ${pod.name}`,
    );
    const spec = present(pod.first.spec, `the spec of pod ${pod.name}`);
    const size = { cpu: configuration.cpu, memory: configuration.memory };
    expect(spec.containers[0]?.resources?.requests, pod.name).toEqual(size);
    expect(spec.containers[0]?.resources?.limits, pod.name).toEqual(size);
    expect(spec.nodeSelector?.["hangar.dev/capacity-type"], pod.name).toBe(
      configuration.spot === true ? "spot" : undefined,
    );
  }
}

/**
 * One pod ever per instance, and none without one: pod names are instance names, so a
 * second pod of a name (a second uid) would be a duplicate. Returns the pods per
 * configuration.
 */
export function expectOnePodPerInstance(
  ledger: PodLedger,
  instances: Map<string, InstanceRow[]>,
): Map<string, number> {
  const uids = new Map<string, string[]>();
  for (const pod of ledger.pods()) uids.set(pod.name, [...(uids.get(pod.name) ?? []), pod.uid]);
  expect([...uids].filter(([, list]) => list.length > 1)).toEqual([]);
  const counts = new Map<string, number>();
  for (const [runnerId, rows] of instances) {
    const names = new Set(rows.map((row) => row.name));
    const pods = ledger.pods().filter((pod) => pod.runnerId === runnerId);
    expect(new Set(pods.map((pod) => pod.name))).toEqual(names);
    counts.set(runnerId, pods.length);
  }
  return counts;
}

export interface Leftovers {
  pods: number;
  secrets: number;
  githubRunners: number;
  /** Live rows by state. */
  live: Record<string, number>;
}

export async function leftovers(
  h: RunnerHarness,
  configuration: { id: string; name: string },
): Promise<Leftovers> {
  const [pods, secrets, runners, rows] = await Promise.all([
    h.pods(configuration.id),
    h.secrets(configuration.id),
    h.githubRunners(configuration.name),
    h.instances(configuration.id),
  ]);
  const live: Record<string, number> = {};
  for (const row of rows) {
    if (row.state === "terminated" || row.state === "failed") continue;
    live[row.state] = (live[row.state] ?? 0) + 1;
  }
  return { pods: pods.length, secrets: secrets.length, githubRunners: runners.length, live };
}

/** Waits until exactly the configuration's minimum of idle runners is left. */
export function settledAtMinimum(
  h: RunnerHarness,
  configuration: { id: string; name: string; minIdle?: number },
  timeoutMs: number,
): Promise<Leftovers> {
  const minIdle = configuration.minIdle ?? 0;
  const expected: Leftovers = {
    pods: minIdle,
    secrets: minIdle,
    githubRunners: minIdle,
    live: minIdle === 0 ? {} : { idle: minIdle },
  };
  return eventually(
    `${configuration.name} down to ${minIdle} idle runners`,
    async () => {
      const left = await leftovers(h, configuration);
      return JSON.stringify(left) === JSON.stringify(expected) ? left : undefined;
    },
    timeoutMs,
  );
}

/** The pth percentile (0–100) of the values, nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return present(sorted[Math.max(0, rank)], "a value");
}

/** Seconds between GitHub's queued and started times of each job. */
export function queueSeconds(jobs: JobView[]): number[] {
  return jobs.flatMap((job) =>
    job.startedAt === null ? [] : [(Date.parse(job.startedAt) - Date.parse(job.createdAt)) / 1000],
  );
}
