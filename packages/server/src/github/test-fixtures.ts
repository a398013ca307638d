import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ManualClock, startSimulator, type Simulator } from "@hangar/github-sim";
import { createGitHubApp, type GitHubAppOptions } from "./app-client.js";
import type { GitHubApp } from "./types.js";

// Test-only: a simulated GitHub and a client sharing one manual clock.

type SimulatorOptions = NonNullable<Parameters<typeof startSimulator>[0]>;

export interface SimulatedGitHub {
  readonly sim: Simulator;
  readonly clock: ManualClock;
  readonly app: GitHubApp;
  /** Every duration the client asked to sleep, in order. */
  readonly sleeps: number[];
  /** How far the client's clock lags the simulator's (to make GitHub expire a token early). */
  lagMs: number;
  close(): Promise<void>;
}

const nextTurn = () =>
  new Promise<void>((resolve) => {
    setImmediate(resolve);
  });

/**
 * The client's `sleep` moves the shared clock instead of waiting, like a
 * discrete-event simulation: time jumps only once no request is on the wire,
 * as in the real time the sleep stands for requests take milliseconds, not
 * the seconds being slept. So a 1-minute budget wait costs no wall time and
 * the test does not depend on how fast this machine is.
 */
export async function simulatedGitHub(
  options: {
    sim?: Omit<SimulatorOptions, "clock">;
    client?: Partial<GitHubAppOptions>;
    /** Point the client elsewhere, e.g. at a proxy in front of the simulator. */
    apiUrl?: (simUrl: string) => Promise<string>;
  } = {},
): Promise<SimulatedGitHub> {
  const clock = new ManualClock();
  const sim = await startSimulator({ autoTick: false, ...options.sim, clock });
  const sleeps: number[] = [];
  const skew = { lagMs: 0 };
  // Closures below run only after `app` exists.
  const app: GitHubApp = createGitHubApp({
    apiUrl: options.apiUrl === undefined ? sim.url : await options.apiUrl(sim.url),
    appId: sim.app.id,
    privateKeyPem: sim.app.privateKeyPem,
    now: () => clock.now() - skew.lagMs,
    sleep: async (ms) => {
      sleeps.push(ms);
      const target = clock.now() + ms;
      while (app.rateLimitSnapshot().inFlight > 0 || sim.stats().inFlight > 0) {
        await nextTurn();
      }
      if (clock.now() < target) clock.set(target);
    },
    ...options.client,
  });
  const harness: SimulatedGitHub = {
    sim,
    clock,
    app,
    sleeps,
    get lagMs() {
      return skew.lagMs;
    },
    set lagMs(ms: number) {
      skew.lagMs = ms;
    },
    close: () => sim.close(),
  };
  return harness;
}

export async function orgInstallation(
  github: SimulatedGitHub,
  org: string,
  repositories: string[] = ["app"],
): Promise<number> {
  const created = await github.sim.control.createInstallation({
    account: { login: org, type: "Organization" },
    repositories,
  });
  return created.installationId;
}

export function statuses(github: SimulatedGitHub, pathPattern?: RegExp): number[] {
  return github.sim
    .stats()
    .requests.filter((r) => pathPattern === undefined || pathPattern.test(r.path))
    .map((r) => r.status);
}

/**
 * A pass-through proxy in front of the simulator that can act just before
 * forwarding a request: how a test makes a runner take a job between the
 * client's GET and its DELETE.
 */
export async function startProxy(
  target: string,
  before: (request: IncomingMessage) => Promise<void>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      await before(request);
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === "string" && name !== "host" && name !== "connection") {
          headers.set(name, value);
        }
      }
      const upstream = await fetch(`${target}${request.url ?? "/"}`, {
        method: request.method ?? "GET",
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      const out: Record<string, string> = {};
      upstream.headers.forEach((value, name) => {
        if (name !== "content-encoding" && name !== "transfer-encoding") out[name] = value;
      });
      out["content-length"] = String(body.length);
      response.writeHead(upstream.status, out).end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}
