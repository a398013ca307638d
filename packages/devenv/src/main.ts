import { allServices, down, status, up, type ServiceName } from "./environment.js";
import type { Profile } from "./layout.js";

const usage = `usage: npm run services -- <up|down|status|env> [--profile dev|test] [--only postgres,temporal,kubernetes]

  up      make the services available (build/install what is missing, start what is stopped) and print their endpoints as JSON
  down    stop the profile's services
  status  say which services are running
  env     print the endpoints as shell exports`;

function parse(argv: string[]): { command: string; profile: Profile; only: ServiceName[] } {
  const [command = "", ...rest] = argv;
  let profile: Profile = "dev";
  let only: ServiceName[] = [...allServices];
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = rest[i + 1];
    if (flag === "--profile" && (value === "dev" || value === "test")) {
      profile = value;
      i++;
    } else if (flag === "--only" && value) {
      const names = value.split(",");
      const unknown = names.filter((n) => !(allServices as readonly string[]).includes(n));
      if (unknown.length > 0) throw new Error(`unknown service(s): ${unknown.join(", ")}`);
      only = names as ServiceName[];
      i++;
    } else {
      throw new Error(`unexpected argument: ${flag ?? ""}\n${usage}`);
    }
  }
  return { command, profile, only };
}

async function main(): Promise<void> {
  const { command, profile, only } = parse(process.argv.slice(2));
  switch (command) {
    case "up": {
      const env = await up(profile, only);
      process.stdout.write(`${JSON.stringify(env.endpoints, null, 2)}\n`);
      return;
    }
    case "down":
      await down(profile, only);
      return;
    case "status":
      process.stdout.write(`${JSON.stringify(await status(profile), null, 2)}\n`);
      return;
    case "env": {
      const env = await up(profile, only);
      const e = env.endpoints;
      process.stdout.write(
        [
          `export HANGAR_DATABASE_URL=${e.databaseUrl}`,
          `export HANGAR_TEMPORAL_ADDRESS=${e.temporalAddress}`,
          `export HANGAR_TEMPORAL_NAMESPACE=${e.temporalNamespace}`,
          `export KUBECONFIG=${e.kubeconfig}`,
          "",
        ].join("\n"),
      );
      return;
    }
    default:
      process.stderr.write(`${usage}\n`);
      process.exitCode = 2;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
