import pino from "pino";
import { z } from "zod";
import { defaultRunnerTimings } from "../src/domain/runner-pool.js";
import { createGitHubApp } from "../src/github/app-client.js";
import { createCluster, loadKubeConfig } from "../src/kubernetes/cluster.js";
import { installTemporalRuntime } from "../src/main/temporal-runtime.js";
import { startWorker } from "../src/main/worker.js";
import { createLogger } from "../src/observability/logger.js";
import { createDatabase } from "../src/storage/database.js";

// The worker role in a process of its own, so that a test can SIGKILL it or take Temporal
// away from under it. It reads the few HANGAR_* variables a worker needs (worker-process.ts
// sets them) and is built by main/worker.ts, so what survives here is what production
// runs. The full configuration is not loaded: these tests exercise the worker, not
// every role's settings. HANGAR_TEST_JOB_GRACE_MS shortens the job workflow's wait for
// late duplicates, so a test sees every job workflow end. With HANGAR_TEST_KUBECONFIG
// the worker provisions runners on that cluster too, on the runner timings in
// HANGAR_TEST_RUNNER_TIMINGS (JSON, shortened by the test as in runner-harness.ts).
//
// Logs go to stderr; stdout carries one line, {"ready": identity}, once the worker is
// built and polling.

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`the worker process needs ${name}`);
  return value;
};

// Only the known timings, each a positive number of milliseconds or counts.
const runnerTimings = z
  .object(
    Object.fromEntries(
      Object.keys(defaultRunnerTimings).map((key) => [key, z.number().positive().optional()]),
    ),
  )
  .strict();

const kubeconfigPath = process.env["HANGAR_TEST_KUBECONFIG"];
const runners =
  kubeconfigPath === undefined || kubeconfigPath === ""
    ? undefined
    : {
        cluster: createCluster(loadKubeConfig({ mode: "kubeconfig", path: kubeconfigPath })),
        timings: runnerTimings.parse(JSON.parse(process.env["HANGAR_TEST_RUNNER_TIMINGS"] ?? "{}")),
      };

const logger = createLogger({
  level: "warn",
  base: { role: "worker", pid: process.pid },
  destination: pino.destination(2),
});
installTemporalRuntime(logger);
// Runner provisioning runs many activities at once, most of them briefly in PostgreSQL.
const database = createDatabase(required("HANGAR_DATABASE_URL"), {
  max: runners === undefined ? 5 : 10,
});
const github = createGitHubApp({
  apiUrl: required("HANGAR_GITHUB_API_URL"),
  appId: Number(required("HANGAR_GITHUB_APP_ID")),
  privateKeyPem: required("HANGAR_GITHUB_PRIVATE_KEY"),
  logger: logger.child({ subsystem: "github" }),
});
const worker = await startWorker({
  config: {
    temporal: {
      address: required("HANGAR_TEMPORAL_ADDRESS"),
      namespace: required("HANGAR_TEMPORAL_NAMESPACE"),
      taskQueue: required("HANGAR_TEMPORAL_TASK_QUEUE"),
      tls: false,
      apiKey: undefined,
    },
  },
  db: database.db,
  logger: logger.child({ subsystem: "worker" }),
  github,
  jobSettings: { completedGraceMs: Number(required("HANGAR_TEST_JOB_GRACE_MS")) },
  ...(runners === undefined ? {} : { cluster: runners.cluster, runnerTimings: runners.timings }),
});
process.stdout.write(`${JSON.stringify({ ready: worker.identity })}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  // A failure surfaces below, through worker.done.
  worker.stop().catch(() => undefined);
  // A shutdown that hangs (Temporal unreachable, say) must not leave the process behind.
  setTimeout(() => process.exit(1), 20_000).unref();
};
process.once("SIGTERM", stop);
// The parent holds our stdin open; when it ends (the test process is gone), so do we.
process.stdin.on("end", stop);
process.stdin.resume();

try {
  await worker.done;
  await database.close();
  process.exit(0);
} catch (error) {
  logger.fatal({ error }, "worker stopped with an error");
  process.exit(1);
}
