// `npm run bench:api [-- --iterations 2000]`
//
// Benchmarks of the API's database work, each a section run against its own freshly
// migrated database on the local test PostgreSQL:
//
// - check: authorization check latency at fan-out 1, 20 and 200 (bench/api-check.ts).
//
// A section is a function of the database; add one to `sections` to run it too.
import { parseArgs } from "node:util";
import pg from "pg";
import type { Kysely } from "kysely";
import { up } from "@hangar/devenv";
import { createDatabase } from "@hangar/server/storage/database.js";
import { migrate } from "@hangar/server/storage/migrate.js";
import type { Database } from "@hangar/server/storage/schema.js";
import { measureChecks, reportChecks } from "./api-check.js";

const { values: args } = parseArgs({
  options: { iterations: { type: "string", default: "2000" } },
});
const iterations = Number(args.iterations);

interface Section {
  name: string;
  /** Runs the section and prints its report; false when a target was missed. */
  run(db: Kysely<Database>): Promise<boolean>;
}

const log = (line: string) => {
  console.log(line);
};

const sections: Section[] = [
  {
    name: "check",
    run: async (db) => reportChecks(await measureChecks(db, { iterations, log })),
  },
];

async function withDatabase(serverUrl: string, section: Section): Promise<boolean> {
  const name = `bench_api_${section.name}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = createDatabase(url.toString(), { max: 1 });
  try {
    await migrate(url.toString());
    return await section.run(database.db);
  } finally {
    await database.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function main(): Promise<void> {
  const environment = await up("test", ["postgres"]);
  let pass = true;
  try {
    for (const section of sections) {
      pass = (await withDatabase(environment.endpoints.databaseUrl, section)) && pass;
    }
  } finally {
    await environment.down();
  }
  if (!pass) process.exitCode = 1;
}

await main();
