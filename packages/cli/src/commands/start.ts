import {
  startEmbeddedDatabase,
  up,
  type EmbeddedPostgres,
  type Environment,
  type ServiceName,
} from "@hangar/devenv";
import { loadConfig } from "@hangar/server/config/load.js";
import type { Config } from "@hangar/server/config/types.js";
import { secretValues } from "@hangar/server/config/secret.js";
import { startDev } from "@hangar/server/main/dev.js";
import { createLogger } from "@hangar/server/observability/logger.js";
import { ensureConsoleBuilt } from "./start-console.js";
import { chooseStartDatabase } from "./start-database.js";
import { dashboardLinkLines } from "./start-link.js";
import { shiftedPorts } from "./start-ports.js";
import { demoSummary } from "./start-summary.js";

interface LocalServices {
  environment: Environment;
  /** The embedded PostgreSQL, when it is the database of this run. */
  embedded: EmbeddedPostgres | undefined;
  /** Stops what this run started: the embedded database, then the services. */
  stop(): Promise<void>;
}

/** The services and the embedded database start side by side; a failure stops both. */
async function startLocalServices(
  wanted: readonly ServiceName[],
  embedded: boolean,
): Promise<LocalServices> {
  const [services, database] = await Promise.allSettled([
    // A machine that cannot build Kubernetes still starts: the demo then runs no runners.
    up("dev", wanted, { optional: ["kubernetes"] }),
    embedded ? startEmbeddedDatabase("dev") : Promise.resolve(undefined),
  ]);
  if (services.status === "rejected" || database.status === "rejected") {
    if (services.status === "fulfilled") await services.value.down();
    if (database.status === "fulfilled") await database.value?.stop();
    throw services.status === "rejected"
      ? services.reason
      : (database as PromiseRejectedResult).reason;
  }
  return {
    environment: services.value,
    embedded: database.value,
    async stop() {
      try {
        await database.value?.stop();
      } finally {
        await services.value.down();
      }
    },
  };
}

/**
 * `hangar start` (what `npm start` runs): the whole platform on this machine.
 * Local services are started for whatever the environment does not point
 * elsewhere: set HANGAR_DATABASE_URL (or DATABASE_URL), HANGAR_TEMPORAL_ADDRESS
 * or KUBECONFIG to use your own instead. The database is the embedded PGlite
 * unless `--database postgres` asks for the local PostgreSQL service.
 * HANGAR_PORT_OFFSET moves the local services and Hangar's own ports alike.
 */
export async function start(env: NodeJS.ProcessEnv, args: readonly string[] = []): Promise<void> {
  const choice = chooseStartDatabase(env, args);
  for (const note of choice.notes) process.stderr.write(`[hangar] ${note}\n`);
  const wanted: ServiceName[] = [];
  if (choice.database.kind === "local") wanted.push("postgres");
  if (!env["HANGAR_TEMPORAL_ADDRESS"]) wanted.push("temporal");
  if (!env["KUBECONFIG"]) wanted.push("kubernetes");

  // The dashboard builds while the services start; it is served once both are done.
  const consoleBuild = ensureConsoleBuilt();
  const services = await startLocalServices(wanted, choice.database.kind === "embedded");
  const { environment, embedded } = services;
  const kubernetesDown = environment.unavailable.find((u) => u.name === "kubernetes");
  const local = environment.endpoints;
  let config: Config;
  try {
    config = loadConfig({
      ...env,
      ...shiftedPorts(env),
      ...choice.overrides,
      ...(embedded ? { HANGAR_DATABASE_URL: embedded.url } : {}),
      ...(wanted.includes("postgres") ? { HANGAR_DATABASE_URL: local.databaseUrl } : {}),
      ...(wanted.includes("temporal")
        ? {
            HANGAR_TEMPORAL_ADDRESS: local.temporalAddress,
            HANGAR_TEMPORAL_NAMESPACE: local.temporalNamespace,
          }
        : {}),
      ...(wanted.includes("kubernetes") && !kubernetesDown ? { KUBECONFIG: local.kubeconfig } : {}),
    });
  } catch (error) {
    // Stop what was started for nothing before reporting the configuration problem.
    await services.stop();
    throw error;
  }
  // Every request is logged at info: the demo's steady traffic and the dashboard's polling
  // would soon bury the summary and its URL. Warnings and errors only, unless asked.
  const quiet = !env["HANGAR_LOG_LEVEL"];
  const logger = createLogger({
    level: quiet ? "warn" : config.log.level,
    pretty: config.log.pretty,
    base: { role: config.role },
    secrets: () => secretValues(config),
  });

  const dev = await startDev(config, logger, {
    embeddedDatabase: embedded !== undefined,
    ...(kubernetesDown
      ? { kubernetesUnavailable: kubernetesDown.reason.split("\n")[0] ?? "" }
      : {}),
  }).catch(async (error: unknown) => {
    await services.stop();
    throw error;
  });

  const dashboard = await consoleBuild;
  const databaseUrl = config.database.url.reveal().replace(/:[^:@/]+@/, ":***@");
  const summary = [
    "",
    "Hangar is running (dev). Press Ctrl-C to stop.",
    embedded
      ? `  PostgreSQL   ${databaseUrl}: embedded ${embedded.version}, data in ${embedded.dataDir} (\`--database postgres\` for the local PostgreSQL service)`
      : `  PostgreSQL   ${databaseUrl}`,
    `  Temporal     ${config.temporal.address} (namespace ${config.temporal.namespace})${local.temporalUiUrl && wanted.includes("temporal") ? `, UI ${local.temporalUiUrl}` : ""}`,
    `  Kubernetes   ${kubernetesDown ? `unavailable (${kubernetesDown.reason.split("\n")[0] ?? ""})` : config.kubernetes.connection.mode === "kubeconfig" ? `KUBECONFIG=${config.kubernetes.connection.path}` : "in-cluster"}`,
    `  Self-check   worker ${dev.selfCheck.workerIdentity} reached PostgreSQL ${dev.selfCheck.postgresVersion}, schema v${dev.selfCheck.schemaVersion}`,
    `  Intake       ${dev.intakeUrl}/webhooks/github`,
    `  API          ${dev.apiUrl} (Connect and JSON; docs/api.md)`,
    ...(dev.demoApi
      ? [
          `  API token    ${dev.demoApi.token} (owner of workspace demo; shown once, replaced at the next start)`,
          `               curl -H "Authorization: Bearer ${dev.demoApi.token}" -H "Content-Type: application/json" \\`,
          `                 -d '{"workspaceId":"${dev.demoApi.workspaceId}"}' ${dev.apiUrl}/hangar.v1.RunnerService/ListRunners`,
        ]
      : []),
    ...(dev.metricsUrl ? [`  Metrics      ${dev.metricsUrl}`] : []),
    ...(dev.simulatorUrl
      ? [`  GitHub       simulator at ${dev.simulatorUrl} (no GitHub App configured)`]
      : []),
    ...(dev.demo ? demoSummary(dev.demo) : []),
    `  Running      ${dev.roles.running.join(", ")}`,
    `  Logs         ${quiet ? "warnings and errors (HANGAR_LOG_LEVEL=info shows every request)" : `level ${config.log.level}`}`,
    ...(dev.roles.notBuiltYet.length > 0
      ? [`  Not built yet ${dev.roles.notBuiltYet.join(", ")}`]
      : []),
    "",
    // Last and alone, so that it is the obvious thing to open.
    ...dashboardLinkLines({
      apiUrl: dev.apiUrl,
      demo: dev.demoApi
        ? { token: dev.demoApi.token, workspace: dev.demo?.workspace.slug ?? "demo" }
        : undefined,
      notBuilt: dashboard.kind === "failed" ? dashboard.reason : undefined,
    }),
    "",
  ];
  process.stderr.write(summary.join("\n"));

  // Run until a signal, or until the worker stops on its own (then say why). The
  // listeners stay until the end: one Ctrl-C can arrive twice (from the terminal, and
  // relayed by tsx when this process was slow to acknowledge it), and a signal nobody
  // listens to ends the process at once, leaving the services and the embedded
  // database's lock behind.
  const signalled = new Promise<void>((resolve) => {
    process.on("SIGINT", () => {
      resolve();
    });
    process.on("SIGTERM", () => {
      resolve();
    });
  });
  let workerError: Error | undefined;
  await Promise.race([
    signalled,
    dev.done.catch((error: unknown) => {
      workerError = asError(error);
    }),
  ]);
  process.stderr.write("\n[hangar] stopping…\n");
  await dev.stop().catch((error: unknown) => {
    workerError ??= asError(error);
  });
  await services.stop();
  if (workerError !== undefined) throw workerError;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
