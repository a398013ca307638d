#!/usr/bin/env node
import { ConfigError } from "@hangar/server/config/load.js";
import { migrate } from "./commands/migrate.js";
import { start } from "./commands/start.js";

const usage = `hangar — ephemeral GitHub Actions runners on Kubernetes

usage: hangar <command>

commands:
  start     run the whole platform on this machine with local services (npm start)
            --database postgres  use the local PostgreSQL service instead of the
                                 embedded PGlite database (the default)
  migrate   apply database migrations to HANGAR_DATABASE_URL
  help      show this text

Local services alone: npm run services -- <up|down|status|env>
Configuration: docs/configuration.md`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case "start":
      await start(process.env, argv.slice(1));
      return 0;
    case "migrate":
      await migrate(process.env);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(`${usage}\n`);
      return 0;
    default:
      process.stderr.write(`hangar: unknown command "${command}"\n\n${usage}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Configuration problems are the user's to fix: say what, without a stack.
    process.stderr.write(
      `hangar: ${error instanceof ConfigError || !(error instanceof Error) ? String(error instanceof Error ? error.message : error) : (error.stack ?? error.message)}\n`,
    );
    process.exitCode = error instanceof ConfigError ? 78 : 1;
  },
);
