// The runner pool's arithmetic, pure so that it can be tested as tables. GitHub, not
// Hangar, decides which idle runner takes which job (any runner carrying all of the
// job's labels), so the pool never starts "the runner for job A": it keeps a count of
// runners ready or on their way equal to the jobs nobody has started yet plus the
// configured spare capacity. A runner started while A was queued but taken by B leaves
// A counted as queued, so another runner follows; nothing is stranded.

export type PoolInstanceState = "starting" | "idle" | "busy" | "retiring";

export interface PoolInstance {
  readonly name: string;
  readonly state: PoolInstanceState;
  /** When the pool started it (workflow time, epoch ms). */
  readonly startedAtMs: number;
  /** When it registered with GitHub and became idle; null while starting or busy. */
  readonly idleSinceMs: number | null;
}

export interface ScaleInput {
  readonly minIdle: number;
  readonly maxRunners: number;
  /** Jobs for this configuration queued on GitHub that no runner has started yet. */
  readonly queuedJobs: number;
  readonly instances: readonly PoolInstance[];
  /** How many more instances of this configuration the workspace's plan admits now. */
  readonly quotaHeadroom: number;
  /** False while backing off after failed starts, when halted, or the configuration is not usable. */
  readonly mayCreate: boolean;
  /** Instances allowed to be starting at once: a safety cap on one burst. */
  readonly maxStarting: number;
  /** A surplus idle runner is kept this long for a job that may still come. */
  readonly idleTimeoutMs: number;
  readonly nowMs: number;
}

export type ScaleLimit = "max-runners" | "quota" | "paused" | "starting-cap";

export interface ScalePlan {
  /** Runners wanted idle or starting: minIdle + queued jobs, within maxRunners. */
  readonly desired: number;
  /** Instances to start now. */
  readonly create: number;
  /** Idle instances to retire now, oldest first. */
  readonly retire: readonly string[];
  /** When the next surplus idle runner reaches its idle timeout; null when none will. */
  readonly nextRetirementAtMs: number | null;
  /** Why fewer instances are created than the demand asks for; null when none are missing. */
  readonly limitedBy: ScaleLimit | null;
}

const clamp = (value: number, low: number, high: number) => Math.min(Math.max(value, low), high);

/**
 * desired = clamp(minIdle + queued, 0, maxRunners − busy − retiring): busy and retiring
 * runners still hold pods, so they count against the configuration's maximum.
 * Instances are created up to `desired` when allowed, within the quota and the
 * starting cap. Idle runners above `desired` are retired once idle for the idle
 * timeout, oldest first; starting runners are never retired (they are about to be
 * useful, and retiring one mid-registration would waste its JIT config).
 */
export function planScale(input: ScaleInput): ScalePlan {
  const count = (state: PoolInstanceState) =>
    input.instances.filter((instance) => instance.state === state).length;
  const busy = count("busy");
  const retiring = count("retiring");
  const starting = count("starting");
  const idle = input.instances.filter((instance) => instance.state === "idle");
  const available = starting + idle.length;

  const room = Math.max(0, input.maxRunners - busy - retiring);
  const wanted = Math.max(0, input.minIdle + input.queuedJobs);
  const desired = clamp(wanted, 0, room);

  const missing = Math.max(0, desired - available);
  const startingRoom = Math.max(0, input.maxStarting - starting);
  const quota = Math.max(0, Math.floor(input.quotaHeadroom));
  const create = input.mayCreate ? Math.min(missing, quota, startingRoom) : 0;
  const limitedBy: ScaleLimit | null =
    available + create >= wanted
      ? null
      : create < missing
        ? !input.mayCreate
          ? "paused"
          : quota < startingRoom
            ? "quota"
            : "starting-cap"
        : "max-runners";

  const surplus = Math.max(0, available - desired);
  const oldestFirst = [...idle].sort(
    (a, b) => a.startedAtMs - b.startedAtMs || a.name.localeCompare(b.name),
  );
  const retire: string[] = [];
  let nextRetirementAtMs: number | null = null;
  for (const instance of oldestFirst.slice(0, surplus)) {
    const dueAt = (instance.idleSinceMs ?? input.nowMs) + input.idleTimeoutMs;
    if (dueAt <= input.nowMs) retire.push(instance.name);
    else nextRetirementAtMs = Math.min(nextRetirementAtMs ?? dueAt, dueAt);
  }
  return { desired, create, retire, nextRetirementAtMs, limitedBy };
}

/** A workspace's plan limits and what its live runner instances use of them. */
export interface WorkspaceCapacity {
  readonly maxRunners: number;
  readonly maxCpuMillis: number;
  readonly maxMemoryMib: number;
  readonly maxGpus: number;
  readonly usedRunners: number;
  readonly usedCpuMillis: number;
  readonly usedMemoryMib: number;
  readonly usedGpus: number;
}

export interface InstanceSize {
  readonly cpuMillis: number;
  readonly memoryMib: number;
  readonly gpus: number;
}

/** How many more instances of `size` fit the workspace's plan (0 when none). */
export function quotaHeadroom(capacity: WorkspaceCapacity, size: InstanceSize): number {
  const fits = (max: number, used: number, each: number) =>
    each <= 0 ? Number.MAX_SAFE_INTEGER : Math.floor((max - used) / each);
  return Math.max(
    0,
    Math.min(
      capacity.maxRunners - capacity.usedRunners,
      fits(capacity.maxCpuMillis, capacity.usedCpuMillis, size.cpuMillis),
      fits(capacity.maxMemoryMib, capacity.usedMemoryMib, size.memoryMib),
      fits(capacity.maxGpus, capacity.usedGpus, size.gpus),
    ),
  );
}

/** Which plan limit one more instance of `size` would break, in words; null when it fits. */
export function quotaShortfall(capacity: WorkspaceCapacity, size: InstanceSize): string | null {
  const limits = [
    ["runners", capacity.usedRunners, 1, capacity.maxRunners, ""],
    ["CPU", capacity.usedCpuMillis, size.cpuMillis, capacity.maxCpuMillis, "m"],
    ["memory", capacity.usedMemoryMib, size.memoryMib, capacity.maxMemoryMib, "Mi"],
    ["GPUs", capacity.usedGpus, size.gpus, capacity.maxGpus, ""],
  ] as const;
  for (const [what, used, each, max, unit] of limits) {
    if (each > 0 && used + each > max) {
      return `the workspace's plan allows ${max}${unit} of ${what}; ${used}${unit} in use and ${each}${unit} more needed`;
    }
  }
  return null;
}

/**
 * Consecutive failed starts of one configuration. Each failure delays the next start
 * (base, 2×base, 4×base, …: 5/10/20/40/80 s by default); `maxFailedStarts` in a row
 * halt creation until the configuration changes or an instance succeeds.
 */
export interface StartFailures {
  readonly consecutive: number;
  /** No instance is started before this moment (workflow time, epoch ms). */
  readonly resumeAtMs: number | null;
  readonly halted: boolean;
  /** What the last failure said, for the configuration's status message. */
  readonly lastReason: string | null;
}

export const noStartFailures: StartFailures = {
  consecutive: 0,
  resumeAtMs: null,
  halted: false,
  lastReason: null,
};

export interface StartBackoff {
  readonly baseMs: number;
  readonly maxFailedStarts: number;
}

export function startBackoffMs(consecutive: number, baseMs: number): number {
  return baseMs * 2 ** Math.max(0, consecutive - 1);
}

export function recordFailedStart(
  failures: StartFailures,
  reason: string,
  nowMs: number,
  backoff: StartBackoff,
): StartFailures {
  const consecutive = failures.consecutive + 1;
  return {
    consecutive,
    resumeAtMs: nowMs + startBackoffMs(consecutive, backoff.baseMs),
    halted: failures.halted || consecutive >= backoff.maxFailedStarts,
    lastReason: reason,
  };
}

/** May the pool start an instance now, as far as failed starts are concerned? */
export function startsAllowed(failures: StartFailures, nowMs: number): boolean {
  return !failures.halted && (failures.resumeAtMs === null || nowMs >= failures.resumeAtMs);
}

export function haltMessage(failures: StartFailures): string {
  const last = failures.lastReason === null ? "" : `; the last: ${failures.lastReason}`;
  return `${failures.consecutive} runners in a row failed to start${last}. No more are started until the configuration changes.`;
}
