import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { RunnerTimings } from "../src/domain/runner-pool.js";

// Test-only: starts worker-entry.ts in a child process and keeps hold of it. Children
// still running when the test process exits are SIGKILLed, so a failed or crashed test
// leaves no worker polling behind.

const entry = fileURLToPath(new URL("./worker-entry.ts", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../../../", import.meta.url));

export interface WorkerProcessOptions {
  databaseUrl: string;
  temporal: { address: string; namespace: string; taskQueue: string };
  github: { apiUrl: string; appId: number; privateKeyPem: string };
  /** The job workflow's grace for late duplicates after completion. */
  jobGraceMs: number;
  /**
   * Runner provisioning on a cluster (the kubeconfig file it is reached with), on these
   * timings; without it the worker only logs job demand.
   */
  runners?: { kubeconfigPath: string; timings: Partial<RunnerTimings> };
}

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WorkerProcess {
  pid: number;
  /** The worker's Temporal identity, once it is polling; rejects if it exits first. */
  ready: Promise<string>;
  /** Resolves when the process has exited, however. */
  exited: Promise<WorkerExit>;
  running(): boolean;
  /** The end of what it wrote, for failure messages. */
  output(): string;
  /** `work`, unless the process exits first: then fails at once, with its output. */
  whileRunning<T>(work: Promise<T>): Promise<T>;
  /** SIGKILL: no shutdown, no goodbye to Temporal, in-flight tasks abandoned. */
  kill(): Promise<WorkerExit>;
  /** SIGTERM (a graceful shutdown), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<WorkerExit>;
}

const live = new Set<WorkerProcess>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const child of live) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  });
}

const OUTPUT_LIMIT = 20_000;

export function startWorkerProcess(options: WorkerProcessOptions): WorkerProcess {
  killAllOnExit();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HANGAR_DATABASE_URL: options.databaseUrl,
    HANGAR_TEMPORAL_ADDRESS: options.temporal.address,
    HANGAR_TEMPORAL_NAMESPACE: options.temporal.namespace,
    HANGAR_TEMPORAL_TASK_QUEUE: options.temporal.taskQueue,
    HANGAR_GITHUB_API_URL: options.github.apiUrl,
    HANGAR_GITHUB_APP_ID: String(options.github.appId),
    HANGAR_GITHUB_PRIVATE_KEY: options.github.privateKeyPem,
    HANGAR_TEST_JOB_GRACE_MS: String(options.jobGraceMs),
    ...(options.runners === undefined
      ? {}
      : {
          HANGAR_TEST_KUBECONFIG: options.runners.kubeconfigPath,
          HANGAR_TEST_RUNNER_TIMINGS: JSON.stringify(options.runners.timings),
        }),
  };
  // Node itself with tsx's loader, not the tsx command: that one runs the script in a
  // grandchild, which a SIGKILL sent to the command would miss.
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: repositoryRoot,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start the worker process");

  let output = "";
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stderr.on("data", keep);

  let exit: WorkerExit | undefined;
  const exited = new Promise<WorkerExit>((resolve) => {
    // "close", not "exit": by then all of its output has been read.
    child.once("close", (code, signal) => {
      exit = { code, signal };
      live.delete(handle);
      resolve(exit);
    });
  });
  const describeExit = (e: WorkerExit): string =>
    `worker process ${pid} exited (code ${e.code}, signal ${e.signal}):\n${output}`;

  const ready = new Promise<string>((resolve, reject) => {
    let lines = "";
    child.stdout.on("data", (chunk: Buffer) => {
      keep(chunk);
      lines += chunk.toString();
      for (const line of lines.split("\n").slice(0, -1)) {
        const identity = readyIdentity(line);
        if (identity !== undefined) resolve(identity);
      }
      lines = lines.slice(lines.lastIndexOf("\n") + 1);
    });
    void exited.then((e) => {
      reject(new Error(describeExit(e)));
    });
  });
  // Callers that never await `ready` must not see an unhandled rejection when it exits.
  ready.catch(() => undefined);

  const signal = async (sig: NodeJS.Signals, graceMs: number): Promise<WorkerExit> => {
    if (exit !== undefined) return exit;
    child.kill(sig);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const handle: WorkerProcess = {
    pid,
    ready,
    exited,
    running: () => exit === undefined,
    output: () => output,
    whileRunning<T>(work: Promise<T>) {
      const died = exited.then((e): never => {
        throw new Error(describeExit(e));
      });
      // Only raced: once `work` wins, a later exit is nobody's error.
      died.catch(() => undefined);
      return Promise.race([work, died]);
    },
    kill: () => signal("SIGKILL", 0),
    stop: (graceMs = 15_000) => signal("SIGTERM", graceMs),
  };
  live.add(handle);
  return handle;
}

function readyIdentity(line: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === "object" && parsed !== null && "ready" in parsed) {
      return typeof parsed.ready === "string" ? parsed.ready : undefined;
    }
  } catch {
    // A line that is not ours.
  }
  return undefined;
}
