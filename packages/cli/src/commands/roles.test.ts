import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { join } from "node:path";
import { Client, Connection } from "@temporalio/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  freePorts,
  privateTemporal,
  testDatabase,
  testEndpoints,
  testTemporal,
  uniqueSuffix,
  type PrivateTemporal,
  type TestDatabase,
  type TestTemporal,
} from "@hangar/testkit";
import { tokenFor, workspaceWithTuples } from "@hangar/server/api/test/harness.js";
import { selfCheckWorkflow } from "@hangar/server/workflows/self-check.js";

// `hangar intake|api|worker` as a deployment runs them: a process of its own per role,
// configured by the environment, stopped by SIGTERM.

const root = join(import.meta.dirname, "../../../..");
const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});

let database: TestDatabase;
let temporal: TestTemporal;

beforeAll(async () => {
  database = await testDatabase();
  temporal = await testTemporal();
});
afterAll(async () => {
  await temporal.close();
  await database.close();
});

interface RoleProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function roleEnv(
  temporalAddress: string,
  namespace: string,
  taskQueue: string,
  [intake, api, metrics]: number[],
): { ports: { intake: number; api: number; metrics: number }; env: Record<string, string> } {
  return {
    ports: { intake: intake!, api: api!, metrics: metrics! },
    env: {
      PATH: process.env["PATH"] ?? "",
      HANGAR_DATABASE_URL: database.url,
      HANGAR_TEMPORAL_ADDRESS: temporalAddress,
      HANGAR_TEMPORAL_NAMESPACE: namespace,
      HANGAR_TEMPORAL_TASK_QUEUE: taskQueue,
      HANGAR_INTAKE_PORT: String(intake),
      HANGAR_API_PORT: String(api),
      HANGAR_METRICS_PORT: String(metrics),
      HANGAR_GITHUB_APP_ID: "123456",
      HANGAR_GITHUB_PRIVATE_KEY: privateKey,
      HANGAR_GITHUB_WEBHOOK_SECRET: "role-test-secret",
      HANGAR_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
      HANGAR_LOG_LEVEL: "info",
      KUBECONFIG: testEndpoints().kubeconfig,
    },
  };
}

function startRole(role: string, env: Record<string, string>): RoleProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "packages/cli/src/main.ts", role], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { child, output: () => output, exited };
}

async function stopRole(role: RoleProcess): Promise<number | null> {
  role.child.kill("SIGTERM");
  return role.exited;
}

describe("hangar api and hangar intake", () => {
  it("serve requests and exit 0 on SIGTERM", async () => {
    // Each its own ports: both roles serve /metrics.
    const free = await freePorts(6);
    const forApi = roleEnv(
      testEndpoints().temporalAddress,
      temporal.namespace,
      temporal.taskQueue,
      free.slice(0, 3),
    );
    const forIntake = roleEnv(
      testEndpoints().temporalAddress,
      temporal.namespace,
      temporal.taskQueue,
      free.slice(3),
    );
    const ports = { api: forApi.ports.api, intake: forIntake.ports.intake };
    const api = startRole("api", forApi.env);
    const intake = startRole("intake", forIntake.env);
    try {
      const tenant = await workspaceWithTuples(database.db);
      const token = await tokenFor(database.db, tenant.workspaceId, "viewer");
      await eventually(
        "the api role to answer",
        async () => {
          const response = await fetch(
            `http://127.0.0.1:${ports.api}/hangar.v1.WorkspaceService/ListWorkspaces`,
            {
              method: "POST",
              headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
              body: "{}",
            },
          );
          expect(response.status).toBe(200);
          const body = (await response.json()) as { workspaces: { id: string }[] };
          expect(body.workspaces.map((w) => w.id)).toEqual([tenant.workspaceId]);
          return true;
        },
        90_000,
      );
      await eventually(
        "the intake role to answer",
        async () => {
          const unsigned = await fetch(`http://127.0.0.1:${ports.intake}/webhooks/github`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              "x-github-event": "ping",
              "x-github-delivery": "d-1",
            },
            body: "{}",
          });
          expect(unsigned.status).toBe(401);
          return true;
        },
        90_000,
      );
    } finally {
      const [apiCode, intakeCode] = await Promise.all([stopRole(api), stopRole(intake)]);
      expect({ api: apiCode, output: apiCode === 0 ? "" : api.output() }).toEqual({
        api: 0,
        output: "",
      });
      expect({ intake: intakeCode, output: intakeCode === 0 ? "" : intake.output() }).toEqual({
        intake: 0,
        output: "",
      });
    }
    expect(api.output()).toContain("api role stopped");
    expect(intake.output()).toContain("intake role stopped");
  }, 300_000);
});

describe("hangar worker", () => {
  let privateServer: PrivateTemporal;
  beforeAll(async () => {
    // Its own Temporal: the worker role starts namespace-wide workflows (sweeps, the
    // redelivery reconciler) that must not reach other test files' task queues.
    privateServer = await privateTemporal();
  });
  afterAll(async () => {
    await privateServer.close();
  });

  it("polls its task queue (the self-check runs on it) and exits 0 on SIGTERM", async () => {
    const taskQueue = `role-${uniqueSuffix()}`;
    const { env } = roleEnv(
      privateServer.address,
      privateServer.namespace,
      taskQueue,
      await freePorts(3),
    );
    const worker = startRole("worker", env);
    const connection = await Connection.connect({ address: privateServer.address });
    try {
      const client = new Client({ connection, namespace: privateServer.namespace });
      const result = await client.workflow.execute(selfCheckWorkflow, {
        taskQueue,
        workflowId: `role-self-check-${uniqueSuffix()}`,
        workflowExecutionTimeout: "3 minutes",
      });
      expect(result.workerIdentity).toMatch(/-\d+$/);
      expect(result.schemaVersion).toBeGreaterThan(0);
    } finally {
      await connection.close();
      const code = await stopRole(worker);
      expect({ code, output: code === 0 ? "" : worker.output() }).toEqual({ code: 0, output: "" });
    }
  }, 300_000);
});
