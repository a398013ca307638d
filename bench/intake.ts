// `npm run bench:intake [-- --duration 10 --connections 50 --relay]`
//
// Load on the real intake (signature check, JSON, zod, label match, one-statement
// durable accept in PostgreSQL) with signed ~8 KB workflow_job deliveries, each with a
// unique delivery GUID and job id; then the same load against a bare node:http server
// that answers 200, as a yardstick on the same machine. Each server runs in a child
// process (bench/intake-server.ts); autocannon runs here. The relay is off unless
// --relay is given (it then signals the local Temporal, where no worker runs).
import { fork, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import autocannon, { type AutocannonResult } from "autocannon";
import pg from "pg";
import { up } from "@hangar/devenv";
import { signBody } from "@hangar/server/intake/signature.js";
import { workflowJobPayload } from "@hangar/server/intake/testing/payloads.js";
import { createDatabase } from "@hangar/server/storage/database.js";
import { migrate } from "@hangar/server/storage/migrate.js";
import { createTenant } from "@hangar/server/storage/test-fixtures.js";
import type { BenchServerMessage, BenchServerSettings } from "./intake-server.js";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "50" },
    relay: { type: "boolean", default: false },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
const SECRET = "bench-webhook-secret-0123456789";
const TARGET_RATIO = 0.15;
const TARGET_P99_MS = 50;
const serverScript = fileURLToPath(new URL("./intake-server.ts", import.meta.url));

/** A realistic in_progress payload (~8 KB) with a placeholder for the job id. */
function payloadTemplate(installationId: number): { text: string; bytes: number } {
  const body = workflowJobPayload({
    action: "in_progress",
    jobId: 999_999_999,
    installationId,
    labels: ["self-hosted", "linux", "x64", "hangar-4cpu"],
    steps: 45,
  });
  const text = JSON.stringify(body).replaceAll("999999999", "__JOB__");
  return { text, bytes: Buffer.byteLength(text) };
}

/** Every request a new delivery: fresh GUID, fresh job id, signed like GitHub signs. */
function signedRequests(template: string) {
  let jobId = Math.floor(Math.random() * 1e9);
  return [
    {
      method: "POST",
      path: "/webhooks/github",
      setupRequest: (request: object) => {
        jobId += 1;
        const body = template.replaceAll("__JOB__", String(jobId));
        const headers = {
          "content-type": "application/json",
          "x-github-event": "workflow_job",
          "x-github-delivery": randomUUID(),
          "x-github-hook-id": "1",
          "x-hub-signature-256": signBody(SECRET, body),
        };
        return { ...request, headers, body };
      },
    },
  ];
}

function load(url: string, template: string, seconds: number): Promise<AutocannonResult> {
  return autocannon({ url, connections, duration: seconds, requests: signedRequests(template) });
}

interface RunningServer {
  url: string;
  stop(): Promise<number | null>;
}

function startServer(settings: BenchServerSettings): Promise<RunningServer> {
  const child: ChildProcess = fork(serverScript, [JSON.stringify(settings)], {
    execArgv: process.execArgv,
    stdio: "inherit",
  });
  const next = (): Promise<BenchServerMessage> =>
    new Promise((resolve, reject) => {
      child.once("message", (message) => {
        resolve(message as BenchServerMessage);
      });
      child.once("exit", (code) => {
        reject(new Error(`bench server exited (${String(code)})`));
      });
    });
  return next().then((ready) => ({
    url: ready.kind === "ready" ? ready.url : "",
    async stop() {
      const stopped = next();
      child.send("stop");
      const message = await stopped.catch(() => undefined);
      return message?.kind === "stopped" ? message.relayed : null;
    },
  }));
}

async function measure(server: RunningServer, template: string): Promise<AutocannonResult> {
  await load(server.url, template, 2); // warm-up: JIT, connection pool, label cache
  return load(server.url, template, duration);
}

async function main(): Promise<void> {
  const environment = await up("test", args.relay ? ["postgres", "temporal"] : ["postgres"]);
  const { databaseUrl: serverUrl, temporalAddress, temporalNamespace } = environment.endpoints;
  const name = `bench_intake_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const database = createDatabase(databaseUrl, { max: 2 });
  try {
    await migrate(databaseUrl);
    const tenant = await createTenant(database.db);
    const template = payloadTemplate(Number(tenant.installationId));
    console.log(
      `payload ${template.bytes} bytes, ${connections} connections, ${duration} s per server, ` +
        `relay ${args.relay ? "on (local Temporal, no worker)" : "off"}; PostgreSQL: local test instance`,
    );
    const temporal = args.relay
      ? { address: temporalAddress, namespace: temporalNamespace, taskQueue: `bench-${name}` }
      : undefined;
    const intake = await startServer({ kind: "intake", databaseUrl, secret: SECRET, temporal });
    const intakeResult = await measure(intake, template.text);
    const relayed = await intake.stop();
    const stored = await database.db
      .selectFrom("webhook_deliveries")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    const bare = await startServer({ kind: "bare", databaseUrl, secret: SECRET });
    const bareResult = await measure(bare, template.text);
    await bare.stop();
    report(intakeResult, bareResult, Number(stored.n), relayed);
  } finally {
    await database.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    await environment.down();
  }
}

function report(
  intake: AutocannonResult,
  bare: AutocannonResult,
  stored: number,
  relayed: number | null,
): void {
  const row = (server: string, r: AutocannonResult) => ({
    server,
    "deliveries/s": Math.round(r.requests.total / r.duration),
    "p50 ms": r.latency.p50,
    "p99 ms": r.latency.p99,
    "max ms": r.latency.max,
    "2xx": r["2xx"],
    "non-2xx": r.non2xx,
    errors: r.errors + r.timeouts,
  });
  const intakeRow = row("intake (verify + store)", intake);
  const bareRow = row("bare node:http 200", bare);
  console.table([intakeRow, bareRow]);
  const ratio = intakeRow["deliveries/s"] / bareRow["deliveries/s"];
  const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
  console.log(
    `throughput intake/bare: ${ratio.toFixed(3)}× (target ≥ ${TARGET_RATIO}×) ${verdict(ratio >= TARGET_RATIO)}`,
  );
  console.log(
    `intake p99 ack latency: ${intake.latency.p99} ms (target ≤ ${TARGET_P99_MS} ms) ` +
      verdict(intake.latency.p99 <= TARGET_P99_MS),
  );
  console.log(
    `deliveries stored (warm-up included): ${stored}` +
      (relayed === null ? "" : `; signals relayed: ${relayed}`),
  );
}

await main();
