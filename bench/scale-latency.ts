import { buildRunnerPod } from "@hangar/server/kubernetes/builders/runner-pod.js";
import type { ScaleChain } from "./scale-chain.js";
import { stagesOf, type ScaleUpTrace, type Stages } from "./scale-stages.js";
import { BenchTimeoutError, waitFor } from "./scale-wait.js";

// Scale-up latency, one job at a time: from the intake's answer to a job's queued event to
// its runner's Pod in the API server. The configuration keeps no idle runner (minIdle 0),
// so every job needs a pod of its own and the n-th pod of the configuration is the n-th
// job's. The baseline does the two steps that path cannot do without, directly: one
// Temporal workflow start and one Pod create, timed to the same watch event. Baseline and
// Hangar samples alternate, so that both see the machine as it is at that moment: on a
// shared machine the load moves within minutes.

export interface LatencyRun {
  /** Milliseconds per measured job (warm-up jobs excluded). */
  samples: number[];
  /** Milliseconds per measured baseline start and create. */
  baseline: number[];
  /** Where each measured job's time went (jobs whose histories could be read). */
  stages: Stages[];
  /** Pods of the configuration beyond one per job (there should be none). */
  extraPods: number;
  /** Runner pods still there when the phase stopped waiting for them (there should be none). */
  leftoverPods: number;
}

const POD_TIMEOUT_MS = 60_000;
const BASELINE_RUNNER_ID = "baseline";

/** One workflow start and one Pod create, directly; ms to the Pod's watch event. */
async function baselineSample(chain: ScaleChain, n: number): Promise<number> {
  const name = `baseline-${n}`;
  // The same Pod as a runner's, on a node selector no node has: it stays Pending, so
  // neither kwok nor the simulator's runner side spends anything on it.
  const pod = buildRunnerPod({
    namespace: chain.namespace,
    instanceName: name,
    workspaceId: chain.tenant.workspaceId,
    runnerId: BASELINE_RUNNER_ID,
    image: "ghcr.io/actions/actions-runner:2.330.0",
    cpu: "500m",
    memory: "512Mi",
    gpu: null,
    spot: false,
    arch: "amd64",
    imagePullSecretNames: [],
  });
  if (pod.spec !== undefined) pod.spec.nodeSelector = { "hangar.dev/bench": "no-such-node" };
  const before = chain.pods.added(BASELINE_RUNNER_ID).length;
  const started = performance.now();
  // A task queue no worker polls: the start is what is measured, not the run.
  await chain.temporal.workflow.start("scaleBaselineWorkflow", {
    taskQueue: `${chain.taskQueue}-baseline`,
    workflowId: `scale-${name}`,
    args: [],
  });
  await chain.core.createNamespacedPod({ namespace: chain.namespace, body: pod });
  const seen = await waitFor(
    `baseline pod ${name}`,
    () => chain.pods.added(BASELINE_RUNNER_ID)[before],
    { timeoutMs: POD_TIMEOUT_MS },
  );
  await chain.core.deleteNamespacedPod({
    name,
    namespace: chain.namespace,
    gracePeriodSeconds: 0,
  });
  return seen.at - started;
}

/** Queues one job and waits for its runner's pod. */
async function scaleUpSample(
  chain: ScaleChain,
  input: { runnerName: string; runnerId: string; jobDurationMs: number },
): Promise<ScaleUpTrace> {
  const before = chain.pods.added(input.runnerId).length;
  const [jobId] = await chain.queueJobs(input.runnerName, 1, input.jobDurationMs);
  if (jobId === undefined) throw new Error("the simulator queued no job");
  const pod = await waitFor(
    `the runner pod of job ${jobId}`,
    () => chain.pods.added(input.runnerId)[before],
    { timeoutMs: POD_TIMEOUT_MS },
  );
  // The pod can be seen before the intake's answer has come back through the recorder.
  const accepted = await waitFor(
    `the intake to accept job ${jobId}`,
    () => chain.accepts.acceptedAt(jobId),
    { timeoutMs: POD_TIMEOUT_MS },
  );
  return { jobId, podName: pod.name, acceptedAt: accepted, podAt: pod.at };
}

export async function measureLatency(
  chain: ScaleChain,
  input: { runnerName: string; jobs: number; warmup: number; jobDurationMs: number },
): Promise<LatencyRun> {
  const runnerId = chain.runnerIds.get(input.runnerName);
  if (runnerId === undefined) throw new Error(`no runner configuration ${input.runnerName}`);
  const traces: ScaleUpTrace[] = [];
  const baseline: number[] = [];
  const total = input.warmup + input.jobs;
  for (let i = 0; i < total; i += 1) {
    const direct = await baselineSample(chain, i + 1);
    const trace = await scaleUpSample(chain, { ...input, runnerId });
    if (i < input.warmup) continue;
    baseline.push(direct);
    traces.push(trace);
  }
  // Every runner of the phase finishes its job and goes, so the next phase starts clean.
  await waitFor(
    "the phase's runners to finish",
    () => chain.pods.live(runnerId) === 0 || undefined,
    { timeoutMs: 180_000, intervalMs: 250 },
  ).catch((error: unknown) => {
    if (!(error instanceof BenchTimeoutError)) throw error;
  });
  const stages: Stages[] = [];
  for (const trace of traces) {
    const found = await stagesOf(chain.temporal, trace);
    if (found !== undefined) stages.push(found);
  }
  return {
    samples: traces.map((trace) => trace.podAt - trace.acceptedAt),
    baseline,
    stages,
    extraPods: chain.pods.added(runnerId).length - total,
    leftoverPods: chain.pods.live(runnerId),
  };
}
