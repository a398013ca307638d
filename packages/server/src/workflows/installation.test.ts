import { Worker } from "@temporalio/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "@hangar/github-sim";
import {
  eventually,
  recordHistory,
  testDatabase,
  testTemporal,
  type TestDatabase,
  type TestTemporal,
} from "@hangar/testkit";
import { isolatedNamespace, type IsolatedNamespace } from "../../test/isolated-namespace.js";
import { historiesDir, workflowsPath } from "../workflow-bundle.js";
import { createInstallationActivities } from "../activities/installation.js";
import {
  createRecordingRunnerSide,
  createRunnerSideActivities,
} from "../activities/runner-side.js";
import type { InstallArgs, RepositoriesChangedArgs } from "../domain/signal-args.js";
import { installationSignals, workflowIds, workflowTypes } from "../domain/workflow-names.js";
import { createGitHubApp } from "../github/app-client.js";
import { installationStateQuery, type InstallationState } from "./installation.js";

// The installation workflow against real Temporal, PostgreSQL and the GitHub simulator,
// driven by signal-with-start as the outbox relay does.

let database: TestDatabase;
let temporal: TestTemporal;
// A namespace of this file's own: the simulator numbers installations alike in every
// test file, and installation workflows are named after them.
let isolated: IsolatedNamespace;
let sim: Simulator;
let worker: Worker;
let running: Promise<void>;
const runnerSide = createRecordingRunnerSide();

beforeAll(async () => {
  [database, temporal, sim] = await Promise.all([
    testDatabase(),
    testTemporal(),
    startSimulator({ autoTick: true }),
  ]);
  isolated = await isolatedNamespace(temporal);
  const github = createGitHubApp({
    apiUrl: sim.url,
    appId: sim.app.id,
    privateKeyPem: sim.app.privateKeyPem,
  });
  worker = await Worker.create({
    connection: temporal.workerConnection,
    namespace: isolated.namespace,
    taskQueue: temporal.taskQueue,
    workflowsPath,
    activities: {
      ...createInstallationActivities({
        db: database.db,
        github,
        // Small enough that the lifecycle below continues as new more than once.
        settings: { maxSignalsPerRun: 3, deletedGraceMs: 1_000, syncIntervalMs: 60_000 },
      }),
      ...createRunnerSideActivities({ runnerSide }),
    },
  });
  running = worker.run();
});

afterAll(async () => {
  worker.shutdown();
  await running;
  await isolated.drop();
  await Promise.all([database.close(), temporal.close(), sim.close()]);
});

async function send(
  installationId: number,
  signal: string,
  args: InstallArgs | RepositoriesChangedArgs | { installationId: number },
): Promise<void> {
  await isolated.client.workflow.signalWithStart(workflowTypes.installation, {
    workflowId: workflowIds.installation(installationId),
    taskQueue: temporal.taskQueue,
    signal,
    signalArgs: [args],
    args: [],
  });
}

const installationRow = (id: number) =>
  database.db
    .selectFrom("github_installations")
    .selectAll()
    .where("installation_id", "=", BigInt(id))
    .executeTakeFirst();

async function liveRepositories(id: number): Promise<string[]> {
  const rows = await database.db
    .selectFrom("repositories")
    .select("full_name")
    .where("installation_id", "=", BigInt(id))
    .where("removed_at", "is", null)
    .orderBy("full_name")
    .execute();
  return rows.map((r) => r.full_name);
}

/** Polls until the check returns true. */
const until = (what: string, check: () => Promise<boolean>) =>
  eventually(what, async () => ((await check()) ? true : undefined), 30_000);

describe("installation workflow", () => {
  it("follows install, repository changes, suspend, unsuspend and uninstall", async () => {
    const created = await sim.control.createInstallation({
      account: { login: "globex", type: "Organization" },
      repositories: ["api", "web"],
      repositorySelection: "selected",
    });
    const id = created.installationId;
    const repo = (r: { id: number; fullName: string }) => ({
      id: r.id,
      name: r.fullName.split("/")[1] ?? "",
      fullName: r.fullName,
      private: true,
    });
    await send(id, installationSignals.install, {
      installationId: id,
      account: { id: created.accountId, login: "globex", type: "Organization" },
      repositorySelection: "selected",
      repositories: created.repositories.map(repo),
    });
    await until("installation synced", async () => {
      const row = await installationRow(id);
      return row?.state === "active" && (await liveRepositories(id)).length === 2;
    });
    expect(await installationRow(id)).toMatchObject({
      account_login: "globex",
      account_type: "Organization",
      repository_selection: "selected",
      workspace_id: null,
      suspended_at: null,
      deleted_at: null,
    });

    // Repository changes apply from the payload, without asking GitHub.
    await sim.control.addRepositories(id, ["docs"]);
    const docs = (await sim.control.installations())
      .find((i) => i.id === id)!
      .repositories.find((r) => r.fullName === "globex/docs")!;
    await send(id, installationSignals.addRepositories, {
      installationId: id,
      repositorySelection: "selected",
      repositories: [repo(docs)],
    });
    await sim.control.removeRepositories(id, ["web"]);
    const web = created.repositories.find((r) => r.fullName === "globex/web")!;
    await send(id, installationSignals.removeRepositories, {
      installationId: id,
      repositorySelection: "selected",
      repositories: [repo(web)],
    });
    await until("repository changes", async () => {
      const names = await liveRepositories(id);
      return names.join() === "globex/api,globex/docs";
    });

    // A change GitHub made without telling us is picked up by a requested sync.
    await sim.control.addRepositories(id, ["infra"]);
    await send(id, installationSignals.permissionsAccepted, { installationId: id });
    await until("sync on request", async () =>
      (await liveRepositories(id)).includes("globex/infra"),
    );

    // Suspension is read back from GitHub, so GitHub changes first, as it does for real.
    await sim.control.suspendInstallation(id);
    await send(id, installationSignals.suspend, { installationId: id });
    await send(id, installationSignals.suspend, { installationId: id });
    await until("suspended", async () => (await installationRow(id))?.state === "suspended");
    const suspendedAt = (await sim.control.installations()).find((i) => i.id === id)?.suspendedAt;
    expect((await installationRow(id))?.suspended_at?.toISOString()).toBe(
      new Date(suspendedAt!).toISOString(),
    );

    await sim.control.unsuspendInstallation(id);
    await send(id, installationSignals.unsuspend, { installationId: id });
    await until("unsuspended", async () => (await installationRow(id))?.state === "active");
    expect((await installationRow(id))?.suspended_at).toBeNull();

    // Eight signals at three per run: the workflow has continued as new (how often depends
    // on how the signals batched) and kept its state.
    const handle = isolated.client.workflow.getHandle(workflowIds.installation(id));
    // The row changes before the workflow's own state does: wait for the workflow.
    const state = await eventually("state after unsuspend", async () => {
      const current: InstallationState = await handle.query(installationStateQuery);
      return current.status === "installed" && current.generation >= 1 ? current : undefined;
    });
    expect(state.installationId).toBe(id);

    await send(id, installationSignals.uninstall, { installationId: id });
    // A late duplicate of `created` must not revive it.
    await send(id, installationSignals.install, {
      installationId: id,
      account: { id: created.accountId, login: "globex", type: "Organization" },
      repositorySelection: "selected",
      repositories: [],
    });
    const final = (await handle.result()) as InstallationState;
    expect(final.status).toBe("deleted");
    const row = await installationRow(id);
    expect(row?.state).toBe("deleted");
    expect(row?.deleted_at).not.toBeNull();

    // The duplicate suspend found the suspension recorded already: one teardown.
    const asked = runnerSide.calls
      .filter((c) => c.op !== "jobDemand" && c.installationId === id)
      .map((c) => c.op);
    expect(asked).toEqual([
      "prepareInstallation",
      "teardownInstallation",
      "prepareInstallation",
      "teardownInstallation",
    ]);
    await recordHistory(
      isolated.client,
      workflowIds.installation(id),
      historiesDir,
      "installation-lifecycle",
    );
  });

  it("creates the row from GitHub when a suspend arrives before the install", async () => {
    const created = await sim.control.createInstallation({
      account: { login: "initech", type: "Organization" },
      repositories: ["app"],
    });
    const id = created.installationId;
    await sim.control.suspendInstallation(id);
    await send(id, installationSignals.suspend, { installationId: id });
    await until("suspended", async () => (await installationRow(id))?.state === "suspended");
    const suspendedAt = (await sim.control.installations()).find((i) => i.id === id)?.suspendedAt;
    const row = await installationRow(id);
    expect(row).toMatchObject({ account_login: "initech", workspace_id: null });
    expect(row?.suspended_at?.toISOString()).toBe(new Date(suspendedAt!).toISOString());
  });
});
