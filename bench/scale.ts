// `npm run bench:scale [-- --jobs 100 --burst 1000 --jit-per-minute 180]`
//
// How fast Hangar turns queued jobs into runner pods, on the local services with the
// GitHub simulator playing GitHub and its runners (bench/scale-chain.ts builds the chain):
//
// 1. Scale-up latency: `--jobs` jobs queued one at a time; for each, the time from the
//    intake's answer to the job's queued delivery to its runner's Pod in the API server.
//    Compared with a baseline measured in the same run: one Temporal workflow start and
//    one Pod create, done directly.
// 2. Burst: `--burst` jobs queued at once; runner pods a minute against the JIT budget
//    (`--jit-per-minute`, GitHub's 900 points a minute at 5 a registration by default),
//    and the requests GitHub refused for its rate limits. `--burst 0` skips it.
//
// Starts whatever test-profile service is not running and stops only those; everything
// the run creates (database, Temporal and Kubernetes namespaces, pods) is removed at the
// end, also on Ctrl-C.
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { portsFor, up } from "@hangar/devenv";
import { createLogger } from "@hangar/server/observability/logger.js";
import { runBurst } from "./scale-burst.js";
import { startScaleChain } from "./scale-chain.js";
import { measureLatency } from "./scale-latency.js";
import {
  printVerdicts,
  reportBurst,
  reportLatency,
  reportThrottling,
  type Verdict,
} from "./scale-report.js";
import { busyWorkflowThrottling } from "./scale-throttling.js";

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "100" },
    warmup: { type: "string", default: "3" },
    burst: { type: "string", default: "1000" },
    "jit-per-minute": { type: "string", default: "180" },
    "job-ms": { type: "string", default: "1000" },
    /** Minutes to wait for the burst's pods; by default four times what the budget needs. */
    "burst-timeout": { type: "string" },
  },
});

function count(name: Exclude<keyof typeof args, "burst-timeout">, minimum: number): number {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < minimum) {
    throw new Error(`--${name} must be a whole number ≥ ${minimum}, not ${args[name]}`);
  }
  return value;
}

const settings = {
  jobs: count("jobs", 1),
  warmup: count("warmup", 0),
  burst: count("burst", 0),
  jitPerMinute: count("jit-per-minute", 1),
  jobDurationMs: count("job-ms", 0),
  burstTimeoutMs:
    args["burst-timeout"] === undefined ? undefined : Number(args["burst-timeout"]) * 60_000,
};
if (settings.burstTimeoutMs !== undefined && !(settings.burstTimeoutMs > 0)) {
  throw new Error(`--burst-timeout must be a number of minutes, not ${args["burst-timeout"]}`);
}
const LATENCY_RUNNER = "hangar-bench-latency";
const BURST_RUNNER = "hangar-bench-burst";

const temporalMetricsUrl = `http://127.0.0.1:${portsFor("test").temporalMetrics}/metrics`;

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" / ");

/** Counters after minus counters before (a phase's share of cumulative counts). */
function difference(after: Map<string, number>, before: Map<string, number> | null) {
  const result = new Map<string, number>();
  for (const [key, value] of after) {
    const delta = value - (before?.get(key) ?? 0);
    if (delta > 0) result.set(key, delta);
  }
  return result;
}

async function main(): Promise<void> {
  const loads: [string, string][] = [["start", load()]];
  // Whatever has been started so far, newest last; an interruption stops it all.
  const stops: (() => Promise<void>)[] = [];
  let cleaning: Promise<void> | undefined;
  const cleanUp = () => {
    cleaning ??= (async () => {
      for (const stop of stops.splice(0).reverse()) await stop();
    })();
    return cleaning;
  };
  // A terminal's Ctrl-C reaches this process twice (directly, and relayed by tsx), and
  // may come while the chain is still being built: the first signal starts the cleanup,
  // or leaves it to follow the build, and later ones are ignored so that it finishes.
  const run = { interrupted: false, built: false };
  const interrupt = () => {
    if (run.interrupted) return;
    run.interrupted = true;
    console.error("\ninterrupted: removing what the run created…");
    if (run.built) void cleanUp().finally(() => process.exit(130));
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);

  const environment = await up("test");
  stops.push(() => environment.down());
  const logger = createLogger({ level: "warn", pretty: true });
  const chain = await startScaleChain({
    endpoints: environment.endpoints,
    jitPerMinute: settings.jitPerMinute,
    runners: [
      { name: LATENCY_RUNNER, maxRunners: 50 },
      { name: BURST_RUNNER, maxRunners: Math.max(1, settings.burst) },
    ],
    logger,
  }).catch(async (error: unknown) => {
    await cleanUp();
    throw error;
  });
  stops.push(() => chain.close());
  run.built = true;
  if (run.interrupted) {
    await cleanUp();
    process.exit(130);
  }

  try {
    console.log(
      `${availableParallelism()} CPUs, load average ${load()}; ${settings.jobs} jobs one at a ` +
        `time (after ${settings.warmup} warm-up), burst of ${settings.burst}, ` +
        `JIT budget ${settings.jitPerMinute}/min`,
    );
    const verdicts: Verdict[] = [];
    const scaleUp = await measureLatency(chain, {
      runnerName: LATENCY_RUNNER,
      jobs: settings.jobs,
      warmup: settings.warmup,
      jobDurationMs: settings.jobDurationMs,
    });
    loads.push(["after latency", load()]);
    verdicts.push(...reportLatency(scaleUp, settings.jobDurationMs));
    const throttled = () => busyWorkflowThrottling(temporalMetricsUrl, chain.temporalNamespace);
    const afterLatency = await throttled();
    reportThrottling("the latency phase", afterLatency);

    if (settings.burst > 0) {
      const burst = await runBurst(chain, {
        runnerName: BURST_RUNNER,
        jobs: settings.burst,
        jitPerMinute: settings.jitPerMinute,
        jobDurationMs: settings.jobDurationMs,
        podsTimeoutMs: settings.burstTimeoutMs,
      });
      loads.push(["after burst", load()]);
      verdicts.push(...reportBurst(burst, settings.jitPerMinute));
      const afterBurst = await throttled();
      reportThrottling("the burst", afterBurst && difference(afterBurst, afterLatency));
    }
    printVerdicts(verdicts);
    console.log(
      `\nload average (1 / 5 / 15 min): ${loads.map(([when, value]) => `${when} ${value}`).join("; ")}`,
    );
    const refused = chain.accepts.refused();
    if (refused > 0) console.log(`note: the intake refused ${refused} deliveries`);
  } finally {
    await cleanUp();
  }
}

await main();
// Everything the run started is stopped by now; a client still retrying a service that
// went away mid-run must not keep the process alive.
process.exit(process.exitCode ?? 0);
