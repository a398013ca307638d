import {
  startWorkload,
  type RunningWorkload,
  type SimulatorControl,
  type WorkloadDriverOptions,
} from "@hangar/github-sim";
import type { Config } from "../config/types.js";
import type { Logger } from "../observability/logger.js";
import type { DemoRunnerConfiguration } from "./demo-tenant.js";

// After the demo's first run, a steady trickle of CI runs on the demo repository, so
// the dashboard has live jobs and runners to show rather than one run long finished.

/** What the steady demo workload queues: small pipelines of the demo runner's jobs. */
export function demoWorkloadOptions(
  repository: string,
  runner: Pick<DemoRunnerConfiguration, "name" | "maxRunners">,
  runsPerMinute: number,
): WorkloadDriverOptions {
  return {
    repositories: [repository],
    workflowName: "ci",
    shape: "pipeline",
    jobsPerRun: { min: 2, max: 4 },
    labelSets: [{ labels: [runner.name], weight: 1 }],
    durations: { minMs: 15_000, maxMs: 90_000, shape: "log-normal" },
    failureRate: 0.05,
    cancelRate: 0.01,
    runsPerMinute,
    // More jobs than the configuration may run at once would only queue up forever.
    maxInFlightJobs: runner.maxRunners,
  };
}

/** Starts the steady demo workload when the configuration asks for it. */
export function startDemoWorkload(
  control: SimulatorControl,
  workload: Config["demo"]["workload"],
  demo: {
    repository: string;
    runner: Pick<DemoRunnerConfiguration, "name" | "maxRunners">;
  },
  logger: Logger,
): RunningWorkload | undefined {
  if (workload.mode === "off") return undefined;
  const log = logger.child({ subsystem: "demo-workload" });
  const running = startWorkload(control, {
    ...demoWorkloadOptions(demo.repository, demo.runner, workload.runsPerMinute),
    onError: (error) => {
      log.warn({ err: error }, "the demo workload could not queue a run");
    },
  });
  log.info(
    { runsPerMinute: workload.runsPerMinute, maxInFlightJobs: demo.runner.maxRunners },
    "steady demo workload started",
  );
  return running;
}
