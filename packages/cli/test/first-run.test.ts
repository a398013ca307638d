import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { chromium, type Browser, type Page } from "playwright-core";
import { JobService } from "@hangar/api/job_service_pb.js";
import { RunnerService } from "@hangar/api/runner_service_pb.js";
import { WorkspaceService } from "@hangar/api/workspace_service_pb.js";
import { chromiumArgs, ensureChromium, eventually } from "@hangar/testkit";
import { cacheDir, portsFor } from "../../devenv/src/layout.js";

// `npm start` as someone trying Hangar runs it (its two steps, see below): a fresh data directory, no GitHub App,
// nothing pointing elsewhere. It must end by printing one URL; opening it must show the
// dashboard signed in, with simulated jobs that ran on runner pods of the cluster it
// started; Ctrl-C must stop everything it started. Screenshots go to
// test-results/first-run/, with the run's output (output.log).

const root = resolve(import.meta.dirname, "../../..");
const results = join(root, "test-results/first-run");
/** Clear of the dev profile (offset 0), the test profile and other checkouts' usual offsets. */
const PORT_OFFSET = "3300";
/** A fresh state directory on a loaded 2-core machine: Temporal, etcd, PGlite's initdb, the demo. */
const START_MS = 6 * 60_000;
const STOP_MS = 2 * 60_000;
/** The dashboard polls every 5 s; jobs and runners come through GitHub, Temporal and Kubernetes. */
const LIVE_MS = 120_000;
/**
 * The second step of `npm start`. One process: with the `tsx` command in front, a parent
 * relays Ctrl-C and kills hangar outright when it is slow to acknowledge the signal,
 * which on a loaded machine left the local services running.
 */
const START = ["--import", "tsx", "packages/cli/src/main.ts", "start"];
/** Set to 1 to skip, loudly, where a prerequisite is missing; otherwise a missing one fails. */
const SKIP_VARIABLE = "HANGAR_FIRST_RUN_SKIP_IF_UNAVAILABLE";

/**
 * What the test needs besides the repository: Chromium, and the dependencies installed
 * as package-lock.json says (otherwise `npm start` would run `npm ci` under the other
 * test files that are running).
 */
async function missingPrerequisite(): Promise<string | undefined> {
  const stamp = join(root, "node_modules/.hangar-lock-hash");
  const wanted = createHash("sha256")
    .update(readFileSync(join(root, "package-lock.json")))
    .digest("hex");
  if (!existsSync(stamp) || readFileSync(stamp, "utf8").trim() !== wanted) {
    return "node_modules does not match package-lock.json (run `npm ci` first)";
  }
  try {
    await ensureChromium();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return undefined;
}

const missing = await missingPrerequisite();
if (missing !== undefined && process.env[SKIP_VARIABLE] !== "1") {
  throw new Error(`first-run test: ${missing} (${SKIP_VARIABLE}=1 skips it instead)`);
}
if (missing !== undefined) {
  console.warn(`\n!!! first-run test SKIPPED (${SKIP_VARIABLE}=1): ${missing}\n`);
}

/** The environment of a user's shell: none of what the test run points at its own services. */
function userEnvironment(stateDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    const keep =
      !/^(HANGAR_|VITEST|TEST$|NODE_ENV$|DATABASE_URL$|KUBECONFIG$|TEMPORAL_|PG)/.test(name) ||
      /^HANGAR_\w+_BIN$/.test(name) ||
      name === "HANGAR_PG_BINDIR";
    if (keep) env[name] = value;
  }
  return {
    ...env,
    HANGAR_STATE_DIR: stateDir,
    HANGAR_PORT_OFFSET: PORT_OFFSET,
    // The shared cache: the binaries the test profile uses, so nothing is rebuilt.
    HANGAR_CACHE_DIR: cacheDir(),
  };
}

/** The ports this run will listen on: the dev profile's services and Hangar's own, shifted. */
function shiftedPorts(): number[] {
  const saved = process.env["HANGAR_PORT_OFFSET"];
  // portsFor reads the offset from this process's environment.
  process.env["HANGAR_PORT_OFFSET"] = PORT_OFFSET;
  try {
    const own = [8080, 8081, 8082, 9464].map((port) => port + Number(PORT_OFFSET));
    const services: Record<string, number> = { ...portsFor("dev") };
    return [...Object.values(services), ...own];
  } finally {
    if (saved === undefined) delete process.env["HANGAR_PORT_OFFSET"];
    else process.env["HANGAR_PORT_OFFSET"] = saved;
  }
}

/** The promise's value, or "timed out" after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | "timed out"> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timed out">((done) => {
    timer = setTimeout(() => {
      done("timed out");
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => {
      done(false);
    });
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
      server.close(() => {
        done(true);
      });
    });
  });
}

/**
 * The services `npm start` runs apart from itself, from the pid files under the state
 * directory, and only those whose command line names that directory: other files there
 * (PGlite's postmaster.pid) hold numbers that are not this machine's processes.
 */
async function servicePids(): Promise<number[]> {
  const dir = stateDir;
  if (dir === "" || !existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true });
  const pids: number[] = [];
  for (const entry of entries.filter((name) => name.endsWith(".pid"))) {
    const pid = Number.parseInt((await readFile(join(dir, entry), "utf8").catch(() => "")).trim());
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (ours(pid)) pids.push(pid);
  }
  return pids;
}

/** Whether the process lives and is still one of this run's services (pids get reused). */
function ours(pid: number): boolean {
  if (stateDir === "") return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(stateDir);
  } catch {
    return false;
  }
}

/** Whether a process, or with a negative id a process group, still exists. */
function exists(id: number): boolean {
  try {
    process.kill(id, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signal(id: number, name: NodeJS.Signals): void {
  try {
    process.kill(id, name);
  } catch {
    // Already gone.
  }
}

interface Run {
  child: ChildProcess;
  output: string;
  /** The exit status once it exited (null: ended by a signal). */
  code: number | null | undefined;
  exit: Promise<number | null>;
}

let stateDir = "";
let run: Run | undefined;
/** Pids of the services, read while they ran (stopping removes the files). */
const daemons = new Set<number>();
let link = { url: "", apiUrl: "", token: "" };
let kubeconfigPath = "";
let browser: Browser | undefined;

describe.skipIf(missing !== undefined)("npm start on a fresh data directory", () => {
  beforeAll(async () => {
    mkdirSync(results, { recursive: true });
    stateDir = mkdtempSync(join(tmpdir(), "hangar-first-run-"));
    const taken: number[] = [];
    for (const port of shiftedPorts()) if (!(await bindable(port))) taken.push(port);
    if (taken.length > 0) {
      throw new Error(
        `ports ${taken.join(", ")} are in use: is another npm start running with HANGAR_PORT_OFFSET=${PORT_OFFSET}?`,
      );
    }

    // What `npm start` runs, its two steps, without npm around them: npm dies of the
    // Ctrl-C a terminal sends its group (exit status 130 whatever its script does), which
    // would hide the status `hangar start` itself exits with.
    const scripts = (
      JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts["start"]).toBe(`node scripts/ensure-deps.mjs && node ${START.join(" ")}`);
    const env = userEnvironment(stateDir);
    const deps = spawnSync("node", ["scripts/ensure-deps.mjs"], { cwd: root, env });
    expect(deps.status).toBe(0);
    const log = createWriteStream(join(results, "output.log"));
    // Its own process group, as a terminal gives a command: Ctrl-C signals the group.
    const spawnedAt = Date.now();
    const child = spawn("node", START, {
      cwd: root,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const started: Run = {
      child,
      output: "",
      code: undefined,
      exit: new Promise((done) => {
        child.once("exit", (code) => {
          started.code = code;
          done(code);
        });
      }),
    };
    run = started;
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        started.output += chunk;
        log.write(chunk);
      });
    }
    // Until the URL is printed, or the command ends without printing it.
    const printed = await eventually(
      "npm start to print the dashboard's URL",
      () => {
        const found = /^ {2}(http:\/\/[\d.]+:\d+)\/#token=(hgr_[\w-]+)\s*$/m.exec(started.output);
        return Promise.resolve(found ?? (started.code === undefined ? undefined : "exited"));
      },
      START_MS,
    ).catch((error: unknown) => String(error));
    if (typeof printed === "string") {
      throw new Error(
        `npm start printed no URL (${printed === "exited" ? `it exited with ${started.code}` : printed}); ` +
          `the end of its output, all of it in ${results}/output.log:\n${started.output.slice(-3000)}`,
      );
    }
    const match = printed;
    console.log(
      `first run: the URL came ${((Date.now() - spawnedAt) / 1000).toFixed(1)} s after start`,
    );
    link = { url: match[0].trim(), apiUrl: match[1] ?? "", token: match[2] ?? "" };
    for (const pid of await servicePids()) daemons.add(pid);
    kubeconfigPath = /KUBECONFIG=(\S+)/.exec(started.output)?.[1] ?? "";
    browser = await chromium.launch({ executablePath: await ensureChromium(), args: chromiumArgs });
  }, START_MS + 60_000);

  afterAll(async () => {
    await browser?.close();
    // Whatever was left, even when a step failed: the command's group, then each service.
    for (const pid of await servicePids()) daemons.add(pid);
    const pid = run?.child.pid;
    if (run !== undefined && pid !== undefined && exists(-pid)) {
      signal(-pid, "SIGINT");
      await within(run.exit, STOP_MS);
      signal(-pid, "SIGKILL");
    }
    for (const daemon of [...daemons].filter(ours)) signal(-daemon, "SIGKILL");
    if (stateDir !== "") rmSync(stateDir, { recursive: true, force: true });
  }, STOP_MS + 60_000);

  it("ends its output with one URL, the dashboard's, that signs in", () => {
    const lines = (run?.output ?? "").split("\n");
    const at = lines.findIndex((line) => line.trim() === link.url);
    expect(lines[at - 1]).toMatch(/^Open the dashboard \(signed in/);
    // Nothing but log records (warnings, if any) came after it.
    const after = lines.slice(at + 1).filter((line) => line.trim() !== "" && !line.startsWith("{"));
    expect(after).toEqual([]);
    // The one URL with a token in it: the rest of the summary points at the services.
    expect(run?.output.match(/#token=/g)).toHaveLength(1);
    expect(kubeconfigPath.startsWith(stateDir)).toBe(true);
  });

  it("ran simulated jobs on runner pods (through the API and the cluster)", async () => {
    const bearer: Interceptor = (next) => (request) => {
      request.header.set("Authorization", `Bearer ${link.token}`);
      return next(request);
    };
    const transport = createConnectTransport({
      baseUrl: link.apiUrl,
      httpVersion: "1.1",
      interceptors: [bearer],
    });
    const { workspaces } = await createClient(WorkspaceService, transport).listWorkspaces({
      pageSize: 50,
    });
    const demo = workspaces.find((w) => w.slug === "demo");
    expect(demo).toBeDefined();
    const workspaceId = demo?.id ?? "";

    const { runners } = await createClient(RunnerService, transport).listRunners({
      workspaceId,
      pageSize: 50,
    });
    const runner = runners.find((r) => r.name === "hangar-small");
    expect(runner?.status).toBe("active");

    const jobs = createClient(JobService, transport);
    const ran = await eventually(
      "a demo job completed on a runner",
      async () => {
        const page = await jobs.listJobs({ workspaceId, status: "completed", pageSize: 100 });
        const done = page.jobs.filter((job) => job.runnerName !== "");
        return done.length > 0 ? done : undefined;
      },
      LIVE_MS,
    );
    for (const job of ran) {
      expect(job.runnerId).toBe(runner?.id);
      expect(job.labels).toContain("hangar-small");
      expect(job.conclusion).not.toBe("");
    }
    const { timeline } = await jobs.getJob({ id: ran[0]?.id ?? 0n });
    expect(timeline.map((entry) => entry.kind)).toEqual(
      expect.arrayContaining(["queued", "in_progress", "completed"]),
    );

    // The runner that ran it was a pod: kube-scheduler placed it on one of kwok's nodes.
    // The pod is gone with its job; the cluster's events about it remain.
    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(kubeconfigPath);
    const core = kubeconfig.makeApiClient(CoreV1Api);
    const namespace = runner?.namespace ?? "";
    const scheduled = await eventually(
      "the cluster's record of the runners' pods",
      async () => {
        const { items } = await core.listNamespacedEvent({ namespace });
        const names = new Set(
          items.filter((event) => event.reason === "Scheduled").map((e) => e.involvedObject.name),
        );
        const onPods = ran.filter((job) => names.has(job.runnerName));
        return onPods.length === ran.length ? onPods : undefined;
      },
      LIVE_MS,
    );
    expect(scheduled.length).toBeGreaterThan(0);
    console.log(
      `first run: ${ran.length} jobs completed on runner pods (${ran.map((j) => j.runnerName).join(", ")})`,
    );
  });

  it("opens the printed URL signed in, with completed jobs and the runner configuration", async () => {
    const context = await (browser as Browser).newContext({
      viewport: { width: 1366, height: 768 },
    });
    const page: Page = await context.newPage();
    page.setDefaultTimeout(LIVE_MS);
    const shoot = (name: string) =>
      page.screenshot({ path: join(results, `${name}.png`), fullPage: true });
    try {
      await page.goto(link.url);
      await page.waitForURL(/\/w\/demo$/);
      expect(await page.getByTestId("caller-role").textContent()).toBe("owner");
      expect(page.url()).not.toContain(link.token);
      await page
        .getByRole("table", { name: "Runner configurations" })
        .getByRole("link", { name: "hangar-small" })
        .waitFor();
      // Evaluated in the page (this file is type-checked without the DOM's types).
      await page.waitForFunction(
        `Number(document.querySelector('[data-testid="stat-Jobs completed"]')?.textContent) > 0`,
      );
      await shoot("overview");

      await page.getByRole("link", { name: "Jobs", exact: true }).click();
      await page.waitForURL(/\/w\/demo\/jobs$/);
      const completed = page
        .getByRole("table", { name: "Jobs" })
        .locator("tr[data-job-id]")
        .filter({ has: page.locator(".badge", { hasText: /^(success|failure)$/ }) })
        .filter({ hasText: "hangar-small" });
      await completed.first().waitFor();
      expect(await completed.count()).toBeGreaterThan(0);
      await shoot("jobs");

      await page.getByRole("link", { name: "Runners", exact: true }).click();
      await page.waitForURL(/\/w\/demo\/runners$/);
      await page
        .getByRole("table", { name: "Runners" })
        .getByRole("link", { name: "hangar-small" })
        .waitFor();
      await page.getByTestId("fleet-hangar-small").waitFor();
      await shoot("runners");
    } finally {
      await context.close();
    }
  });

  it(
    "stops on Ctrl-C with status 0, leaving none of its processes behind",
    async () => {
      const started = run as Run;
      const pid = started.child.pid ?? 0;
      // Temporal, etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok.
      expect(daemons.size).toBe(6);
      signal(-pid, "SIGINT");
      expect(await within(started.exit, STOP_MS)).toBe(0);
      expect(exists(-pid)).toBe(false);
      const left = [...daemons].filter(ours);
      expect(left).toEqual([]);
      expect(await servicePids()).toEqual([]);
    },
    STOP_MS + 30_000,
  );
});
