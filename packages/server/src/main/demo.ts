import type { Simulator } from "@hangar/github-sim";
import { sql, type Kysely } from "kysely";
import type { Database } from "../storage/schema.js";

export interface DemoReport {
  installationId: number;
  repositoriesSynced: number;
  deliveries: { routed: number; ignored: number; failed: number };
  jobsQueued: number;
}

const demoWorkflow = `name: ci
on: [push]
jobs:
  build:
    runs-on: hangar-4cpu
    steps: [{ run: make }]
`;

/**
 * A little traffic through the whole pipeline when the simulator stands in for
 * GitHub: an App installation with two repositories, a workflow file pushed,
 * and a run of three jobs. Webhooks travel simulator → intake → outbox →
 * Temporal → workflows → PostgreSQL; the report says what arrived.
 */
export async function runDemo(
  simulator: Simulator,
  db: Kysely<Database>,
  options: { timeoutMs?: number } = {},
): Promise<DemoReport> {
  const { control } = simulator;
  // The dev database outlives runs: count only this run's deliveries.
  const startedAt = new Date();
  const { installationId } = await control.createInstallation({
    account: { login: "demo-org", type: "Organization" },
    repositories: ["web", "api"],
  });
  await control.pushWorkflowFile({
    repository: "demo-org/web",
    path: ".github/workflows/ci.yml",
    content: demoWorkflow,
  });
  const run = await control.queueWorkflowRun({
    repository: "demo-org/web",
    workflowName: "ci",
    jobs: ["build", "test", "lint"].map((name) => ({ name, labels: ["hangar-4cpu"] })),
  });
  await control.drainDeliveries();

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let repositoriesSynced = 0;
  while (Date.now() < deadline) {
    const row = await db
      .selectFrom("repositories")
      .select(sql<number>`count(*)::int`.as("count"))
      .where("installation_id", "=", BigInt(installationId))
      .where("removed_at", "is", null)
      .executeTakeFirst();
    repositoriesSynced = row?.count ?? 0;
    if (repositoriesSynced >= 2) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const statuses = await db
    .selectFrom("webhook_deliveries")
    .select(["status", sql<number>`count(*)::int`.as("count")])
    .where("received_at", ">=", startedAt)
    .groupBy("status")
    .execute();
  const count = (status: string): number => statuses.find((s) => s.status === status)?.count ?? 0;
  return {
    installationId,
    repositoriesSynced,
    deliveries: { routed: count("routed"), ignored: count("ignored"), failed: count("failed") },
    jobsQueued: run.jobIds.length,
  };
}
