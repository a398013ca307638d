import type { KubeConfig } from "@kubernetes/client-node";
import { generateAppKeys } from "./auth/app-jwt.js";
import { TokenStore } from "./auth/tokens.js";
import { ManualClock, systemClock, type Clock } from "./clock.js";
import { registerControlRoutes } from "./control/http-routes.js";
import { createLocalControl } from "./control/local.js";
import type { SimulatorControl } from "./control/types.js";
import { toOutgoing } from "./delivery/payloads.js";
import { DeliverySender } from "./delivery/sender.js";
import { randomBase62 } from "./prng.js";
import { InFlight } from "./rate-limit/concurrency.js";
import { FailureInjector } from "./rate-limit/injected.js";
import { PrimaryLimiter } from "./rate-limit/primary.js";
import { SecondaryLimiter } from "./rate-limit/secondary.js";
import { actionsRoutes } from "./routes/actions.js";
import { appRoutes } from "./routes/app.js";
import type { RouteDeps } from "./routes/deps.js";
import { hookDeliveryRoutes } from "./routes/hook-deliveries.js";
import { installationRoutes } from "./routes/installation.js";
import { runnerGroupRoutes } from "./routes/runner-groups.js";
import { runnerRoutes } from "./routes/runners.js";
import { buildServer, type RequestLogEntry } from "./server.js";
import { tick } from "./assignment.js";
import type { SimContext } from "./state/context.js";
import { SimState } from "./state/store.js";
import { resolveUrls, type GitHubUrls } from "./webhooks/urls.js";

export interface SimulatorOptions {
  clock?: Clock;
  host?: string;
  port?: number;
  app?: { id?: number; slug?: string; webhookSecret?: string };
  webhookUrl?: string;
  limits?: { primaryPerHour?: number; secondaryPointsPerMinute?: number; maxConcurrent?: number };
  tokenTtlSeconds?: number;
  assignmentTimeoutSeconds?: number;
  kubeConfig?: KubeConfig;
  autoTick?: boolean;
  /** False: a plan without custom runner groups (GitHub Free); creating one is refused. */
  customRunnerGroups?: boolean;
}

export interface SimulatorStats {
  inFlight: number;
  maxInFlight: number;
  requests: RequestLogEntry[];
  tokensMinted: Record<number, number>;
}

export interface Simulator {
  url: string;
  app: {
    id: number;
    slug: string;
    privateKeyPem: string;
    publicKeyPem: string;
    webhookSecret: string;
  };
  control: SimulatorControl;
  stats(): SimulatorStats;
  close(): Promise<void>;
}

const AUTO_TICK_MS = 200;

/** Starts a simulated GitHub on a local port; everything it holds lives in memory. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clock = options.clock ?? systemClock;
  const appId = options.app?.id ?? 100_000 + Math.floor(Math.random() * 900_000);
  const app = {
    id: appId,
    slug: options.app?.slug ?? "hangar-sim",
    clientId: `Iv23${randomBase62(16)}`,
    webhookSecret: options.app?.webhookSecret ?? randomBase62(32),
  };
  const keys = generateAppKeys();
  const state = new SimState();
  const deliveries = new DeliverySender(clock, app.id, app.webhookSecret, options.webhookUrl);
  let urls: GitHubUrls = resolveUrls();
  const ctx: SimContext = {
    state,
    clock,
    app: { id: app.id, slug: app.slug },
    assignmentTimeoutMs: (options.assignmentTimeoutSeconds ?? 60) * 1000,
    customRunnerGroups: options.customRunnerGroups ?? true,
    emit: (event) => {
      const outgoing = toOutgoing(state, event, urls);
      if (outgoing) deliveries.enqueue(outgoing);
    },
  };
  const limits = options.limits ?? {};
  const inFlight = new InFlight(limits.maxConcurrent ?? 100);
  const failures = new FailureInjector();
  const tokens = new TokenStore();
  const primary = new PrimaryLimiter(limits.primaryPerHour ?? 5000);
  const routeDeps: RouteDeps = {
    ctx,
    app,
    keys,
    tokens,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    primary,
    deliveries,
    urls: () => urls,
  };
  const log: RequestLogEntry[] = [];
  const server = buildServer({
    routes: routeDeps,
    inFlight,
    secondary: new SecondaryLimiter(limits.secondaryPointsPerMinute ?? 900),
    failures,
    log,
  });
  appRoutes(server, routeDeps);
  hookDeliveryRoutes(server, routeDeps);
  installationRoutes(server, routeDeps);
  runnerRoutes(server, routeDeps);
  runnerGroupRoutes(server, routeDeps);
  actionsRoutes(server, routeDeps);
  const control = createLocalControl({ ctx, deliveries, failures, inFlight });
  registerControlRoutes(server, control);

  const address = await server.listen({
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
  });
  const url = address.replace(/\/+$/, "");
  // Payload URLs point back at the simulator so clients following them stay inside it.
  urls = resolveUrls({ apiBaseUrl: url });

  // Loaded only when asked for, so a simulator without Kubernetes never loads its client.
  const kubeConfig = options.kubeConfig;
  const runnerSide = kubeConfig
    ? await import("./runner-side-link.js").then((m) => m.startRunnerSide(ctx, kubeConfig))
    : undefined;
  const autoTick = options.autoTick ?? !(clock instanceof ManualClock);
  const timer = autoTick
    ? setInterval(() => {
        tick(ctx);
      }, AUTO_TICK_MS)
    : undefined;

  return {
    url,
    app: {
      id: app.id,
      slug: app.slug,
      privateKeyPem: keys.privateKeyPem,
      publicKeyPem: keys.publicKeyPem,
      webhookSecret: app.webhookSecret,
    },
    control,
    stats: () => ({
      inFlight: inFlight.current,
      maxInFlight: inFlight.max,
      requests: log.map((e) => ({ ...e })),
      tokensMinted: Object.fromEntries(tokens.mintedPerInstallation),
    }),
    async close() {
      if (timer) clearInterval(timer);
      inFlight.hold(false);
      await runnerSide?.stop();
      await deliveries.close();
      await server.close();
    },
  };
}
