import type { Simulator } from "@hangar/github-sim";
import type { Client } from "@temporalio/client";
import type { Kysely } from "kysely";
import { startRunnerPool } from "../activities/runner-pool.js";
import type { Database } from "../storage/schema.js";
import { skipRecordedIds, type SkippedIds } from "./demo-ids.js";
import {
  countDeliveries,
  countEarlierLiveRunners,
  countSyncedRepositories,
  hasIdleRunner,
  readDemoJobs,
  readDemoRunners,
  type DemoJobs,
  type DemoRunners,
} from "./demo-outcome.js";
import {
  demoRunner,
  demoWorkspace,
  ensureDemoTenant,
  type DemoRunnerConfiguration,
} from "./demo-tenant.js";

export interface DemoReport {
  installationId: number;
  workspace: { slug: string; namespace: string };
  /** What this start created of the demo tenant; empty when an earlier start made it. */
  created: string[];
  repositoriesSynced: number;
  runner: DemoRunnerConfiguration;
  /** Why no runners were started; null when they were. */
  runnersSkipped: string | null;
  runners: DemoRunners;
  jobs: DemoJobs;
  deliveries: { routed: number; ignored: number; failed: number };
  skippedIds: SkippedIds;
}

export interface DemoOptions {
  /** The intake's webhook endpoint, where the simulator delivers. */
  webhookUrl: string;
  /** HANGAR_KUBE_NAMESPACE_PREFIX, for the demo workspace's namespace. */
  namespacePrefix: string;
  /** Where the demo configuration's pool runs, or why no runners can run. */
  runners: { temporal: Client; taskQueue: string } | { unavailable: string };
  /** Start of this process: runners and deliveries since then are this start's. */
  since?: Date;
  timeoutMs?: number;
}

const demoOrg = "demo-org";
/** Where the demo's runs go, its first and the steady workload's after it. */
export const demoRepository = `${demoOrg}/web`;

const demoWorkflow = `name: ci
on: [push]
jobs:
  build:
    runs-on: ${demoRunner.name}
    steps: [{ run: make }]
  test:
    runs-on: ${demoRunner.name}
    steps: [{ run: make test }]
  lint:
    runs-on: ${demoRunner.name}
    steps: [{ run: make lint }]
`;

/** How long each demo job "runs" on its runner. */
const JOB_DURATION_MS = 3_000;
const POLL_MS = 250;

/**
 * The `npm start` demo when the simulator stands in for GitHub: an organisation
 * installs the App (two repositories), Hangar links the installation to a demo
 * workspace with a small runner configuration (see demo-tenant.ts), the
 * simulator's runner side plays the runners of the pods Hangar starts, and a run
 * of three jobs goes simulator → intake → outbox → Temporal → workflows →
 * runners on Kubernetes → PostgreSQL. The report is read back from the database.
 * A later start on the same database finds the same tenant and leaves it as it is.
 */
export async function runDemo(
  simulator: Simulator,
  db: Kysely<Database>,
  options: DemoOptions,
): Promise<DemoReport> {
  const { control } = simulator;
  const since = options.since ?? new Date();
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const installation = await control.createInstallation({
    account: { login: demoOrg, type: "Organization" },
    repositories: ["web", "api"],
  });
  // Linked before the simulator sends `installation.created`, so the installation
  // workflow prepares the workspace's namespace when it handles the event.
  const tenant = await ensureDemoTenant(db, {
    installationId: installation.installationId,
    account: { login: demoOrg, id: installation.accountId, type: "Organization" },
    namespacePrefix: options.namespacePrefix,
  });
  await control.setWebhookUrl(options.webhookUrl);
  const skippedIds = await skipRecordedIds(simulator, db, {
    installationId: installation.installationId,
    repository: demoRepository,
    webhookUrl: options.webhookUrl,
  });
  await control.pushWorkflowFile({
    repository: demoRepository,
    path: ".github/workflows/ci.yml",
    content: demoWorkflow,
  });

  // Repositories are synced after the installation's namespace is prepared.
  const repositoriesSynced = await waitFor(deadline, async () => {
    const count = await countSyncedRepositories(db, installation.installationId);
    return count >= 2 ? count : undefined;
  });
  const runners = "temporal" in options.runners ? options.runners : null;
  if (runners !== null) {
    // The worker starts the pools of configurations with idle runners when it starts,
    // which on a first start was before this one existed.
    await startRunnerPool(runners.temporal, {
      runnerId: tenant.runner.id,
      taskQueue: runners.taskQueue,
    });
    // Runners of an earlier start were registered with a simulator that is gone: their
    // instances see that and end. Until then the pool counts them, and the ids they
    // hold may be handed out again by this simulator, so the demo waits for them.
    await waitFor(Math.min(deadline, Date.now() + 60_000), async () =>
      (await countEarlierLiveRunners(db, tenant.runner.id, since)) === 0 ? true : undefined,
    );
    // A warm runner first, so the first job shows what a minimum of idle runners buys.
    if (tenant.runner.minIdle > 0) {
      await waitFor(Math.min(deadline, Date.now() + 60_000), async () =>
        (await hasIdleRunner(db, tenant.runner.id, since)) ? true : undefined,
      );
    }
  }
  const run = await control.queueWorkflowRun({
    repository: demoRepository,
    workflowName: "ci",
    jobs: ["build", "test", "lint"].map((name) => ({
      name,
      labels: [demoRunner.name],
      durationMs: JOB_DURATION_MS,
    })),
  });
  await control.drainDeliveries();
  // Without runners the jobs stay queued: wait only until Hangar has recorded them.
  await waitFor(deadline, async () => {
    const jobs = await readDemoJobs(db, run.jobIds);
    const done = runners === null ? jobs.recorded : jobs.completed;
    return done === run.jobIds.length ? true : undefined;
  });

  return {
    installationId: installation.installationId,
    workspace: { slug: demoWorkspace.slug, namespace: tenant.namespace },
    created: tenant.created,
    repositoriesSynced:
      repositoriesSynced ?? (await countSyncedRepositories(db, installation.installationId)),
    runner: tenant.runner,
    runnersSkipped: "unavailable" in options.runners ? options.runners.unavailable : null,
    runners: await readDemoRunners(db, tenant.runner.id, since),
    jobs: await readDemoJobs(db, run.jobIds),
    deliveries: await countDeliveries(db, since),
    skippedIds,
  };
}

/** Polls until `check` answers, or undefined at the deadline. */
async function waitFor<T>(
  deadline: number,
  check: () => Promise<T | undefined>,
): Promise<T | undefined> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
