import { Command, Option } from "commander";
import { CliError, ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";

// The commands that run Hangar itself. Their modules load the server (Temporal's native
// bridge, Kubernetes' client) only when run, so API commands start quickly.

export function startCommand(io: Io): Command {
  return new Command("start")
    .description(
      "run the whole platform on this machine with local services (what `npm start` runs)",
    )
    .addOption(
      new Option("--database <kind>", "embedded PGlite, or the local PostgreSQL service").choices([
        "embedded",
        "postgres",
      ]),
    )
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (options: { database?: string }, command: Command) => {
      const { start } = await import("./start.js");
      const args = [...(options.database ? ["--database", options.database] : []), ...command.args];
      await start(io.env, args);
    });
}

export function migrateCommand(io: Io): Command {
  return new Command("migrate")
    .description("apply pending database migrations to HANGAR_DATABASE_URL")
    .action(async () => {
      const { migrate } = await import("./migrate.js");
      await migrate(io.env);
    });
}

const roleDescriptions = {
  intake: "receive GitHub webhooks and relay them to Temporal (HANGAR_INTAKE_PORT)",
  api: "serve the Connect API and the dashboard (HANGAR_API_PORT)",
  worker: "run the workflows and their activities on the task queue",
} as const;

type RoleName = keyof typeof roleDescriptions;

async function runRoleUntilSignalled(io: Io, role: RoleName): Promise<void> {
  const declared = io.env["HANGAR_ROLE"];
  if (declared && declared !== role) {
    throw new CliError(
      `HANGAR_ROLE is ${declared}, but \`hangar ${role}\` runs the ${role} role`,
      ExitCode.config,
      "unset HANGAR_ROLE or make it match",
    );
  }
  const [{ loadConfig }, { secretValues }, { createLogger }, { runRole }] = await Promise.all([
    import("@hangar/server/config/load.js"),
    import("@hangar/server/config/secret.js"),
    import("@hangar/server/observability/logger.js"),
    import("@hangar/server/main/role.js"),
  ]);
  const config = loadConfig({ ...io.env, HANGAR_ROLE: role });
  const logger = createLogger({
    level: config.log.level,
    pretty: config.log.pretty,
    base: { role },
    secrets: () => secretValues(config),
  });
  // Listening before starting: a signal during start-up still stops cleanly afterwards.
  let signalled!: () => void;
  const stopRequested = new Promise<void>((resolve) => {
    signalled = resolve;
  });
  process.on("SIGINT", signalled);
  process.on("SIGTERM", signalled);
  try {
    const running = await runRole(config, logger);
    logger.info({ urls: running.urls }, `${role} role running`);
    let crashed: Error | undefined;
    await Promise.race([
      stopRequested,
      running.done.catch((error: unknown) => {
        crashed = error instanceof Error ? error : new Error(String(error));
      }),
    ]);
    logger.info(`${role} role stopping`);
    await running.stop();
    if (crashed !== undefined) throw crashed;
    logger.info(`${role} role stopped`);
  } finally {
    process.off("SIGINT", signalled);
    process.off("SIGTERM", signalled);
  }
}

export function roleCommand(role: RoleName): (io: Io) => Command {
  return (io) =>
    new Command(role)
      .description(
        `${roleDescriptions[role]}; configured by the environment (docs/configuration.md)`,
      )
      .addHelpText("after", "\nApply migrations first with `hangar migrate`; this role does not.")
      .action(() => runRoleUntilSignalled(io, role));
}
