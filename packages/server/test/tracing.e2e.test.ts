import { Client } from "@temporalio/client";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "@hangar/testkit";
import { createGitHubApp } from "../src/github/app-client.js";
import { createCluster } from "../src/kubernetes/cluster.js";
import { startIntake, type RunningIntake } from "../src/main/intake.js";
import { installTemporalRuntime } from "../src/main/temporal-runtime.js";
import { startWorker, type RunningWorker } from "../src/main/worker.js";
import { createLogger } from "../src/observability/logger.js";
import { startTracing, type Tracing } from "../src/observability/tracing.js";
import { startCredentialCapture, type CredentialCapture } from "./credential-capture.js";
import { completedOnGitHub } from "./runner-burst.js";
import { startRunnerHarness, testRunnerTimings, type RunnerHarness } from "./runner-harness.js";

// One job end to end with tracing on and every log line kept: the simulated GitHub
// sends the job's webhook to Hangar's intake, the relay signals its workflow, the pool
// starts a runner (a JIT registration on GitHub, a Secret and a Pod on the local
// cluster), the runner takes the job and the job completes. Everything runs as the
// intake and worker roles run it (main/intake.ts, main/worker.ts), with an in-memory
// span exporter instead of OTLP and an in-memory log destination at debug level.

const lines: string[] = [];
const logger = createLogger({
  level: "debug",
  destination: {
    write(line: string) {
      lines.push(line);
    },
  },
  // What main/ passes in production: the configured secrets (here, the simulator's App).
  secrets: () => (h === undefined ? [] : [h.sim.app.webhookSecret, h.sim.app.privateKeyPem]),
});
const exporter = new InMemorySpanExporter();

let h: RunnerHarness | undefined;
let tracing: Tracing | undefined;
let capture: CredentialCapture | undefined;
let worker: RunningWorker | undefined;
let intake: RunningIntake | undefined;
let jobId: number;

function harness(): RunnerHarness {
  if (h === undefined) throw new Error("the harness did not start");
  return h;
}

beforeAll(async () => {
  // Before any Temporal connection exists: the runtime is installed once per process.
  installTemporalRuntime(logger);
  tracing = startTracing({ serviceName: "hangar-test", exporter });
  h = await startRunnerHarness({ worker: "none", relay: false });
  capture = await startCredentialCapture(h.sim.url);
  const github = createGitHubApp({
    apiUrl: capture.url,
    appId: h.sim.app.id,
    privateKeyPem: h.sim.app.privateKeyPem,
    logger: logger.child({ subsystem: "github" }),
  });
  const client = new Client({
    connection: h.temporal.client.connection,
    namespace: h.isolated.namespace,
    interceptors: tracing.clientInterceptors(),
  });
  worker = await startWorker({
    config: {
      temporal: {
        address: h.temporalAddress,
        namespace: h.isolated.namespace,
        taskQueue: h.temporal.taskQueue,
        tls: false,
        apiKey: undefined,
      },
    },
    db: h.database.db,
    logger: logger.child({ subsystem: "worker" }),
    github,
    jobSettings: { completedGraceMs: 500 },
    temporalClient: client,
    cluster: createCluster(h.namespace.kubeConfig),
    runnerTimings: testRunnerTimings,
    runnerSweep: false,
    tracing,
  });
  intake = await startIntake({
    db: h.database.db,
    pool: h.database.pool,
    temporalClient: client,
    taskQueue: h.temporal.taskQueue,
    logger: logger.child({ subsystem: "intake" }),
    webhookSecrets: [h.sim.app.webhookSecret],
    maxBodyBytes: 25 * 1024 * 1024,
    host: "127.0.0.1",
    port: 0,
    pruneIntervalMs: 0,
  });
  await h.sim.control.setWebhookUrl(`${intake.url}/webhooks/github`);

  const runnerId = await h.addRunner({ name: "hangar-traced" });
  [jobId] = (await h.queueJobs([
    { name: "traced", labels: ["self-hosted", "hangar-traced"], durationMs: 500 },
  ])) as [number];
  await completedOnGitHub(h, [jobId], 120_000);
  const db = h.database.db;
  await eventually(
    "the job recorded completed and its runner torn down",
    async () => {
      const job = await db
        .selectFrom("jobs")
        .select("status")
        .where("github_job_id", "=", BigInt(jobId))
        .executeTakeFirst();
      const live = (await harness().instances(runnerId)).filter(
        (row) => row.state !== "terminated" && row.state !== "failed",
      );
      return job?.status === "completed" && live.length === 0 ? true : undefined;
    },
    120_000,
  );
  // The job workflow ends a grace period after completion; its run span ends with it.
  await eventually(
    "the job and runner workflows' spans exported",
    () => {
      const names = exporter.getFinishedSpans().map((span) => span.name);
      return Promise.resolve(
        names.includes("RunWorkflow:jobWorkflow") &&
          names.includes("RunWorkflow:runnerInstanceWorkflow")
          ? true
          : undefined,
      );
    },
    60_000,
  );
}, 300_000);

afterAll(async () => {
  await intake?.stop();
  await worker?.stop();
  await capture?.close();
  await h?.close();
  await tracing?.shutdown();
});

const byId = (spans: readonly ReadableSpan[]) =>
  new Map(spans.map((span) => [span.spanContext().spanId, span]));

/** The span and its exported ancestors, nearest first. */
function ancestry(span: ReadableSpan, spans: readonly ReadableSpan[]): ReadableSpan[] {
  const index = byId(spans);
  const chain = [span];
  for (let at = span.parentSpanId; at !== undefined;) {
    const parent = index.get(at);
    if (parent === undefined) break;
    chain.push(parent);
    at = parent.parentSpanId;
  }
  return chain;
}

function only(spans: readonly ReadableSpan[], what: string): ReadableSpan {
  expect(spans, what).toHaveLength(1);
  return spans[0]!;
}

describe("one job's trace", () => {
  it("connects the webhook, the relay, the workflow, its activities and the GitHub and Kubernetes calls", () => {
    const spans = exporter.getFinishedSpans();
    const workflowId = `job-${jobId}`;
    const relay = only(
      spans.filter(
        (span) =>
          span.name === "outbox relay" &&
          span.attributes["temporal.workflow_id"] === workflowId &&
          byId(spans).get(span.parentSpanId ?? "")?.attributes["github.action"] === "queued",
      ),
      "the relay span of the queued event",
    );
    const delivery = byId(spans).get(relay.parentSpanId!)!;
    expect(delivery).toMatchObject({
      name: "webhook delivery",
      parentSpanId: undefined,
      attributes: {
        "github.event": "workflow_job",
        "github.action": "queued",
        "hangar.delivery.status": "routed",
        "http.response.status_code": 202,
      },
    });
    expect(typeof delivery.attributes["github.delivery"]).toBe("string");
    expect(delivery.attributes).not.toHaveProperty("payload");
    const traceId = delivery.spanContext().traceId;
    const inTrace = spans.filter((span) => span.spanContext().traceId === traceId);

    // intake → relay → signal-with-start → the job workflow → its activities.
    const signalled = only(
      inTrace.filter(
        (span) =>
          span.name === "SignalWithStartWorkflow:jobWorkflow" &&
          span.parentSpanId === relay.spanContext().spanId,
      ),
      "the relay's signal-with-start",
    );
    const run = only(
      inTrace.filter(
        (span) =>
          span.name === "RunWorkflow:jobWorkflow" &&
          span.parentSpanId === signalled.spanContext().spanId,
      ),
      "the job workflow's run",
    );
    const runActivities = inTrace.filter(
      (span) => span.name.startsWith("RunActivity:") && ancestry(span, inTrace).includes(run),
    );
    expect(runActivities.map((span) => span.name)).toEqual(
      expect.arrayContaining(["RunActivity:resolveJob", "RunActivity:signalJobDemand"]),
    );

    // The runner registers on GitHub and gets a Pod, all in the job's trace. It is the
    // job's first runner, started as the job is resolved (a line from the webhook), or,
    // when that step left it to the pool (another admission held the workspace's lock),
    // one the pool started.
    const jit = only(
      inTrace.filter(
        (span) => span.name === "GitHub POST /orgs/{org}/actions/runners/generate-jitconfig",
      ),
      "the runner's JIT registration",
    );
    expect(jit.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.response.status_code": 201,
    });
    expect(jit.attributes["github.ratelimit.remaining"]).toEqual(expect.any(Number));
    const launchedBy = ancestry(jit, inTrace).map((span) => span.name);
    expect(launchedBy.slice(0, 5)).toEqual([
      "GitHub POST /orgs/{org}/actions/runners/generate-jitconfig",
      "RunActivity:launchRunner",
      "StartActivity:launchRunner",
      "RunWorkflow:runnerInstanceWorkflow",
      "StartWorkflow:runnerInstanceWorkflow",
    ]);
    const asResolved = [
      "RunActivity:resolveJob",
      "StartActivity:resolveJob",
      "RunWorkflow:jobWorkflow",
      "SignalWithStartWorkflow:jobWorkflow",
      "outbox relay",
      "webhook delivery",
    ];
    const byThePool = ["RunActivity:startRunnerInstances", "StartActivity:startRunnerInstances"];
    expect([asResolved, byThePool]).toContainEqual(launchedBy.slice(5));
    const pod = inTrace.find((span) => span.name === "Kubernetes create Pod");
    expect(pod?.attributes).toMatchObject({
      "k8s.verb": "create",
      "k8s.kind": "Pod",
      "k8s.namespace.name": harness().namespace.name,
      "k8s.result": "created",
    });
    expect(inTrace.some((span) => span.name === "Kubernetes create Secret")).toBe(true);
    // No URL, header or body of a call was recorded as an attribute.
    for (const span of spans) {
      const values = JSON.stringify(span.attributes);
      expect(values).not.toMatch(/https?:\/\//);
      expect(values).not.toMatch(/ghs_|eyJ/);
    }
  });
});

describe("the logs of that run", () => {
  it("are JSON lines that name no secret, token, JWT or JIT config", () => {
    const sim = harness().sim;
    const { jwts, installationTokens, jitConfigs } = capture!.credentials();
    // The run used every kind of credential, so their absence below means something.
    expect(jwts.length).toBeGreaterThan(0);
    expect(installationTokens.length).toBeGreaterThan(0);
    expect(jitConfigs.length).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(50);

    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.every((entry) => typeof entry["level"] === "string")).toBe(true);
    const text = lines.join("");
    expect(text).not.toContain(sim.app.webhookSecret);
    for (const value of [...jwts, ...installationTokens, ...jitConfigs]) {
      expect(text).not.toContain(value);
    }
    expect(text).not.toMatch(/hgr_[\w-]{20,}/);
    // Any 40 characters of the App's private key, as they would appear in a line.
    const keyBody = sim.app.privateKeyPem
      .split("\n")
      .filter((line) => !line.startsWith("-----"))
      .join("");
    for (let start = 0; start + 40 <= keyBody.length; start += 1) {
      const slice = keyBody.slice(start, start + 40);
      if (text.includes(slice)) throw new Error(`a slice of the private key was logged: ${start}`);
    }
  });

  it("carry the trace, workflow and job they belong to", () => {
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const spans = exporter.getFinishedSpans();
    const traceIds = new Set(spans.map((span) => span.spanContext().traceId));
    const traced = entries.filter((entry) => typeof entry["trace_id"] === "string");
    expect(traced.every((entry) => traceIds.has(entry["trace_id"] as string))).toBe(true);

    // The intake's line about each delivery names that delivery's trace and span.
    const deliveries = spans.filter((span) => span.name === "webhook delivery");
    const accepted = entries.filter((entry) => entry["msg"] === "delivery accepted");
    expect(accepted.length).toBeGreaterThan(0);
    for (const entry of accepted) {
      const span = deliveries.find(
        (s) => s.attributes["github.delivery"] === entry["deliveryGuid"],
      );
      expect(entry).toMatchObject({
        trace_id: span?.spanContext().traceId,
        span_id: span?.spanContext().spanId,
      });
    }
    // Lines logged while an activity of the job's workflow ran name the workflow and job.
    expect(entries).toContainEqual(
      expect.objectContaining({ workflow_id: `job-${jobId}`, job_id: String(jobId) }),
    );
    expect(
      entries.some(
        (entry) =>
          typeof entry["workflow_id"] === "string" && typeof entry["trace_id"] === "string",
      ),
    ).toBe(true);
  });
});
