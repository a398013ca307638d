import type { BurstRun } from "./scale-burst.js";
import type { LatencyRun } from "./scale-latency.js";
import { stagePaths } from "./scale-stages.js";
import { overallPerMinute, summarize, sustainedPerMinute, timeline } from "./scale-stats.js";

// What bench/scale.ts prints: tables of what was measured, then one line per target with
// PASS or FAIL. The targets are Hangar's for this kind of machine (a shared 2-core box).

export const targets = {
  p50Ms: 300,
  p99Ms: 1_000,
  /** Hangar's scale-up against the baseline of one workflow start and one Pod create. */
  ratio: 3,
  /** Sustained pods a minute as a share of the JIT budget. */
  budgetShare: 0.95,
} as const;

/** GitHub's hourly limit for an installation's requests (up to 12,500 for large orgs). */
const GITHUB_INSTALLATION_REQUESTS_PER_HOUR = 5_000;

export interface Verdict {
  target: string;
  measured: string;
  pass: boolean;
}

const ms = (value: number) => (Number.isFinite(value) ? Math.round(value) : "—");
const perMinute = (value: number | null) => (value === null ? "—" : value.toFixed(1));
const seconds = (value: number | undefined) =>
  value === undefined ? "—" : (value / 1000).toFixed(1);

export function reportLatency(scaleUp: LatencyRun, jobDurationMs: number): Verdict[] {
  const hangar = summarize(scaleUp.samples);
  const direct = summarize(scaleUp.baseline);
  const row = (path: string, s: ReturnType<typeof summarize>) => ({
    path,
    n: s.count,
    "p50 ms": ms(s.p50),
    "p99 ms": ms(s.p99),
    "max ms": ms(s.max),
    "mean ms": ms(s.mean),
  });
  console.log(
    `\nScale-up latency: a job's queued delivery accepted by the intake (2xx) → its runner's ` +
      `Pod in the API server (watch event). One job at a time, minIdle 0, jobs of ${jobDurationMs} ms; ` +
      "a baseline sample before each job.",
  );
  console.table([
    row("Hangar: intake → Temporal → job → runner → Pod", hangar),
    row("baseline: workflow.start + Pod create, directly", direct),
  ]);
  for (const [path, { label, stages }] of Object.entries(stagePaths)) {
    const found = scaleUp.stages.filter((stage) => stage.path === path);
    if (found.length === 0) continue;
    console.log(
      `Where it goes, runner ${label} (${found.length} jobs, from their Temporal histories; ` +
        "each stage's percentiles on their own, so they do not add up to the total's):",
    );
    console.table(
      stages.map((stage, i) => {
        const s = summarize(found.map((one) => one.durations[i] ?? Number.NaN));
        return { stage, "p50 ms": ms(s.p50), "p99 ms": ms(s.p99), "mean ms": ms(s.mean) };
      }),
    );
  }
  if (scaleUp.extraPods !== 0) {
    console.log(`note: ${scaleUp.extraPods} pods more than jobs were created during the phase`);
  }
  if (scaleUp.leftoverPods !== 0) {
    console.log(`note: ${scaleUp.leftoverPods} runner pods were still there after the phase`);
  }
  const p50Ratio = hangar.p50 / direct.p50;
  const p99Ratio = hangar.p99 / direct.p99;
  return [
    {
      target: `scale-up p50 ≤ ${targets.p50Ms} ms`,
      measured: `${ms(hangar.p50)} ms`,
      pass: hangar.p50 <= targets.p50Ms,
    },
    {
      target: `scale-up p99 ≤ ${targets.p99Ms} ms`,
      measured: `${ms(hangar.p99)} ms`,
      pass: hangar.p99 <= targets.p99Ms,
    },
    {
      target: `scale-up p50 ≤ ${targets.ratio}× baseline p50`,
      measured: `${p50Ratio.toFixed(2)}× (${ms(hangar.p50)} / ${ms(direct.p50)} ms)`,
      pass: p50Ratio <= targets.ratio,
    },
    {
      target: `scale-up p99 ≤ ${targets.ratio}× baseline p99`,
      measured: `${p99Ratio.toFixed(2)}× (${ms(hangar.p99)} / ${ms(direct.p99)} ms)`,
      pass: p99Ratio <= targets.ratio,
    },
  ];
}

export function reportBurst(burst: BurstRun, jitPerMinute: number): Verdict[] {
  const pods = [...burst.podTimesMs].sort((a, b) => a - b);
  const sustainedPods = sustainedPerMinute(pods, jitPerMinute);
  const sustainedJit = sustainedPerMinute(burst.jitTimesMs, jitPerMinute);
  const burstMinutes = burst.totalMs / 60_000;
  const failed = [...burst.failures.values()].reduce((sum, n) => sum + n, 0);
  const rateLimited = [...burst.rateLimited.values()].reduce((sum, n) => sum + n, 0);
  const boot = summarize(burst.bootSeconds);
  console.log(
    `\nBurst: ${burst.jobs} jobs queued at once for one configuration (maxRunners ${burst.jobs}, ` +
      `minIdle 0); JIT budget ${jitPerMinute}/min (${jitPerMinute * 5} points a minute, ` +
      `GitHub's secondary limit in the simulator set to the same).`,
  );
  console.table([
    {
      "jobs completed": `${burst.completedJobs}/${burst.jobs}`,
      pods: pods.length,
      "JIT registrations": burst.jitTimesMs.length,
      "first pod s": seconds(pods[0]),
      "last pod s": seconds(pods.at(-1)),
      "all gone s": seconds(burst.totalMs),
      "pods/min overall": perMinute(overallPerMinute(pods)),
      "pods/min sustained": perMinute(sustainedPods),
      "JIT/min sustained": perMinute(sustainedJit),
      "peak pods": burst.peakPods,
      "boot s p50/p99": `${boot.p50.toFixed(1)}/${boot.p99.toFixed(1)}`,
      "failed runners": failed,
      "403/429": rateLimited,
    },
  ]);
  console.log(
    "sustained: the median time each run of <budget> consecutive pods took once the first " +
      "minute's budget was spent; the budget's window is 60 s plus a 1 s margin, so 98.4% is its ceiling.",
  );
  console.log(
    "boot: a runner's admission to its registration with GitHub. The pool keeps at most " +
      "50 runners starting at once, so it makes at most 50 per boot time.",
  );
  // Buckets of half a minute, or longer for a long burst: at most about 20 rows.
  const bucketMs = Math.max(30_000, Math.ceil(burst.totalMs / 20 / 30_000) * 30_000);
  console.table(
    timeline(
      {
        "jobs accepted": burst.acceptTimesMs,
        "jobs recorded": burst.recordedTimesMs,
        "runners admitted": burst.admittedTimesMs,
        "pods created": burst.podTimesMs,
        "JIT registrations": burst.jitTimesMs,
        "runners registered": burst.registeredTimesMs,
      },
      bucketMs,
    ),
  );
  const perHour = burstMinutes > 0 ? (burst.installationRequests / burstMinutes) * 60 : 0;
  const perRunner = pods.length > 0 ? burst.installationRequests / pods.length : 0;
  console.log(
    `GitHub requests during the burst: ${burst.requests}, ${burst.installationRequests} of them ` +
      `with the installation's token (${Math.round(perHour)}/h at this pace, ` +
      `${perRunner.toFixed(1)} per runner). GitHub allows an installation ` +
      `${GITHUB_INSTALLATION_REQUESTS_PER_HOUR}/h (the simulator here, more): ` +
      (perRunner > 0
        ? `${Math.round(GITHUB_INSTALLATION_REQUESTS_PER_HOUR / perRunner / 60)} runners/min for an hour.`
        : "no runner was made."),
  );
  for (const [reason, count] of burst.failures) console.log(`failed runners: ${count}× ${reason}`);
  for (const [request, count] of burst.rateLimited) {
    console.log(`rate-limited: ${count}× ${request}`);
  }
  if (burst.incomplete !== null) console.log(`INCOMPLETE: ${burst.incomplete}`);

  const share = sustainedPods === null ? null : sustainedPods / jitPerMinute;
  return [
    {
      target: `burst pods/min ≥ ${targets.budgetShare * 100}% of the JIT budget`,
      measured:
        share === null
          ? `not measurable: ${pods.length} pods, no more than one budget window holds`
          : `${perMinute(sustainedPods)}/min = ${(share * 100).toFixed(1)}% of ${jitPerMinute}/min`,
      pass: share !== null && share >= targets.budgetShare && burst.incomplete === null,
    },
    {
      target: "burst rate-limit errors = 0",
      measured: String(rateLimited),
      pass: rateLimited === 0,
    },
  ];
}

export function printVerdicts(verdicts: Verdict[]): void {
  console.log("\nTargets");
  for (const verdict of verdicts) {
    console.log(
      `${verdict.pass ? "PASS" : "FAIL"}  ${verdict.target.padEnd(44)} ${verdict.measured}`,
    );
  }
}

export function reportThrottling(phase: string, counts: Map<string, number> | null): void {
  if (counts === null) {
    console.log(`Temporal's metrics could not be read; no throttling figures for ${phase}.`);
    return;
  }
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);
  const top = [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([operation, n]) => `${operation} ${n}`)
    .join(", ");
  console.log(
    `Temporal put off or refused work on a busy workflow ${total} times during ${phase}` +
      (total > 0 ? ` (${top}).` : "."),
  );
}
