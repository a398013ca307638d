import { up, type ServiceName } from "@hangar/devenv";
import { loadConfig } from "@hangar/server/config/load.js";
import { secretValues } from "@hangar/server/config/secret.js";
import { startDev } from "@hangar/server/main/dev.js";
import { createLogger } from "@hangar/server/observability/logger.js";

/**
 * `hangar start` (what `npm start` runs): the whole platform on this machine.
 * Local services are started for whatever the environment does not point
 * elsewhere: set HANGAR_DATABASE_URL, HANGAR_TEMPORAL_ADDRESS or KUBECONFIG to
 * use your own instead.
 */
export async function start(env: NodeJS.ProcessEnv): Promise<void> {
  const wanted: ServiceName[] = [];
  if (!env["HANGAR_DATABASE_URL"]) wanted.push("postgres");
  if (!env["HANGAR_TEMPORAL_ADDRESS"]) wanted.push("temporal");
  if (!env["KUBECONFIG"]) wanted.push("kubernetes");

  // Nothing runs on Kubernetes yet, so a machine that cannot build it still starts.
  const environment = await up("dev", wanted, { optional: ["kubernetes"] });
  const kubernetesDown = environment.unavailable.find((u) => u.name === "kubernetes");
  const local = environment.endpoints;
  const config = loadConfig({
    ...env,
    ...(wanted.includes("postgres") ? { HANGAR_DATABASE_URL: local.databaseUrl } : {}),
    ...(wanted.includes("temporal")
      ? {
          HANGAR_TEMPORAL_ADDRESS: local.temporalAddress,
          HANGAR_TEMPORAL_NAMESPACE: local.temporalNamespace,
        }
      : {}),
    ...(wanted.includes("kubernetes") && !kubernetesDown ? { KUBECONFIG: local.kubeconfig } : {}),
  });
  const logger = createLogger({
    level: config.log.level,
    pretty: config.log.pretty,
    base: { role: config.role },
    secrets: () => secretValues(config),
  });

  const dev = await startDev(config, logger).catch(async (error: unknown) => {
    await environment.down();
    throw error;
  });

  const summary = [
    "",
    "Hangar is running (dev).",
    `  PostgreSQL   ${config.database.url.reveal().replace(/:[^:@/]+@/, ":***@")}`,
    `  Temporal     ${config.temporal.address} (namespace ${config.temporal.namespace})${local.temporalUiUrl && wanted.includes("temporal") ? `, UI ${local.temporalUiUrl}` : ""}`,
    `  Kubernetes   ${kubernetesDown ? `unavailable (${kubernetesDown.reason.split("\n")[0] ?? ""})` : config.kubernetes.connection.mode === "kubeconfig" ? `KUBECONFIG=${config.kubernetes.connection.path}` : "in-cluster"}`,
    `  Self-check   worker ${dev.selfCheck.workerIdentity} reached PostgreSQL ${dev.selfCheck.postgresVersion}, schema v${dev.selfCheck.schemaVersion}`,
    `  Intake       ${dev.intakeUrl}/webhooks/github`,
    ...(dev.simulatorUrl
      ? [`  GitHub       simulator at ${dev.simulatorUrl} (no GitHub App configured)`]
      : []),
    ...(dev.demo
      ? [
          `  Demo         installation ${dev.demo.installationId}: ${dev.demo.repositoriesSynced} repositories synced; ` +
            `webhooks ${dev.demo.deliveries.routed} routed, ${dev.demo.deliveries.ignored} ignored, ${dev.demo.deliveries.failed} failed; ` +
            `${dev.demo.jobsQueued} jobs queued (they wait for a workspace link and runners, which later releases add)`,
        ]
      : []),
    `  Running      ${dev.roles.running.join(", ")}`,
    `  Not built yet ${dev.roles.notBuiltYet.join(", ")}`,
    "",
    "Press Ctrl-C to stop.",
    "",
  ];
  process.stderr.write(summary.join("\n"));

  // Run until a signal, or until the worker stops on its own (then say why).
  const signalled = new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
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
  await environment.down();
  if (workerError !== undefined) throw workerError;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
