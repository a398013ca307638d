// `npm run bench:api [-- --iterations 2000]`
//
// Benchmarks of the API's database work, each a section run against its own freshly
// migrated database on the local test PostgreSQL:
//
// - check: authorization check latency at fan-out 1, 20 and 200 (bench/api-check.ts).
// - queries: ListJobs and GetRunnerMetrics through the API server with `--jobs` jobs in
//   the database (bench/api-queries.ts).
//
// `--only check` or `--only queries` runs one section.
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
import { measureQueries, reportQueries } from "./api-queries.js";

const { values: args } = parseArgs({
  options: {
    iterations: { type: "string", default: "2000" },
    "query-iterations": { type: "string", default: "200" },
    jobs: { type: "string", default: "1000000" },
    only: { type: "string" },
  },
});
const iterations = Number(args.iterations);
const queryIterations = Number(args["query-iterations"]);
const jobs = Number(args.jobs);
for (const [name, value] of [
  ["iterations", iterations],
  ["query-iterations", queryIterations],
  ["jobs", jobs],
] as const) {
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a whole number ≥ 1`);
}

interface Section {
  name: string;
  /** Runs the section and prints its report; false when a target was missed. */
  run(db: Kysely<Database>): Promise<boolean>;
}

const log = (line: string) => {
  console.log(line);
};

const allSections: Section[] = [
  {
    name: "check",
    run: async (db) => reportChecks(await measureChecks(db, { iterations, log })),
  },
  {
    name: "queries",
    run: async (db) =>
      reportQueries(await measureQueries(db, { jobs, iterations: queryIterations, log })),
  },
];
const sections = allSections.filter(
  (section) => args.only === undefined || section.name === args.only,
);
if (sections.length === 0)
  throw new Error(`--only must be one of ${allSections.map((s) => s.name).join(", ")}`);

async function withDatabase(serverUrl: string, section: Section): Promise<boolean> {
  const name = `bench_api_${section.name}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  // Four connections: the queries section serves the API from this pool too.
  const database = createDatabase(url.toString(), { max: 4 });
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
