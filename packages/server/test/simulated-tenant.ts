import type { Simulator } from "@hangar/github-sim";
import type { Kysely } from "kysely";
import { seedTenant, type SeededTenant } from "../src/activities/jobs-fixtures.js";
import { createGitHubApp } from "../src/github/app-client.js";
import type { GitHubApp } from "../src/github/types.js";
import type { Database } from "../src/storage/schema.js";

// Test-only: the tenant the pipeline tests run jobs for. An organisation installs the
// App on the simulated GitHub; Hangar's side is a workspace linked to that installation
// with one runner configuration serving `label`, billed at `pricePerMinute`.

export interface SimulatedTenant {
  tenant: SeededTenant;
  /** Hangar's GitHub client, pointed at the simulator. */
  github: GitHubApp;
}

export async function simulatedTenant(
  sim: Simulator,
  db: Kysely<Database>,
  input: { label: string; pricePerMinute: string },
): Promise<SimulatedTenant> {
  const installation = await sim.control.createInstallation({
    account: { login: "acme", type: "Organization" },
    repositories: ["web"],
  });
  const repository = installation.repositories[0];
  if (repository === undefined) throw new Error("the installation came without its repository");
  // seedTenant writes the github_installations row with the workspace link; the
  // installation workflow's upsert then keeps that link (it never writes it).
  const tenant = await seedTenant(db, {
    installationId: installation.installationId,
    repository,
    runnerName: input.label,
    pricePerMinute: input.pricePerMinute,
  });
  const github = createGitHubApp({
    apiUrl: sim.url,
    appId: sim.app.id,
    privateKeyPem: sim.app.privateKeyPem,
  });
  return { tenant, github };
}
