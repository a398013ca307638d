import { testEndpoints } from "@hangar/testkit";
import type { RunnerTimings } from "../src/domain/runner-pool.js";
import { testRunnerTimings, type RunnerHarness } from "./runner-harness.js";
import { startWorkerProcess, type WorkerProcess } from "./worker-process.js";

// Test-only: the worker role for a runner harness started without one, in a process of
// its own as in production (main/worker.ts builds it), with runner provisioning wired to
// the harness's database, Temporal namespace, simulated GitHub (through its recorder)
// and the local cluster. A test can SIGKILL it and start another.

export function startRunnerWorker(
  h: RunnerHarness,
  timings: Partial<RunnerTimings> = {},
): WorkerProcess {
  const endpoints = testEndpoints();
  return startWorkerProcess({
    databaseUrl: h.database.url,
    temporal: {
      address: h.temporalAddress,
      namespace: h.isolated.namespace,
      taskQueue: h.temporal.taskQueue,
    },
    github: {
      apiUrl: h.githubApiUrl,
      appId: h.sim.app.id,
      privateKeyPem: h.sim.app.privateKeyPem,
    },
    jobGraceMs: 500,
    runners: {
      kubeconfigPath: endpoints.kubeconfig,
      timings: { ...testRunnerTimings, ...timings },
    },
  });
}
