import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeJitConfig, startSimulator, type Simulator } from "@hangar/github-sim";
import {
  testDatabase,
  testNamespace,
  type TestDatabase,
  type TestNamespace,
} from "@hangar/testkit";
import { createGitHubApp } from "../github/app-client.js";
import { createCluster } from "../kubernetes/cluster.js";
import { hangarLabels } from "../kubernetes/labels.js";
import { seedTenant, type SeededTenant } from "./jobs-fixtures.js";
import { createRunnerInstanceActivities, type RunnerInstanceSpec } from "./runner-instances.js";
import { createRunnerLaunchActivities } from "./runner-launch.js";

// The instance steps against PostgreSQL, the local cluster and the GitHub simulator,
// each run again as a retry after a crash would run it: at no point may a second pod,
// Secret or GitHub runner appear, and the workspace's plan holds however many
// admissions race for it.

let database: TestDatabase;
let namespace: TestNamespace;
let sim: Simulator;
let tenant: SeededTenant;
let runnerId: string;
let records: ReturnType<typeof createRunnerInstanceActivities>;
let launch: ReturnType<typeof createRunnerLaunchActivities>;

beforeAll(async () => {
  [database, namespace, sim] = await Promise.all([
    testDatabase(),
    testNamespace(),
    startSimulator({ autoTick: true }),
  ]);
  const installation = await sim.control.createInstallation({
    account: { login: "acme", type: "Organization" },
    repositories: ["web"],
  });
  tenant = await seedTenant(database.db, {
    installationId: installation.installationId,
    repository: installation.repositories[0]!,
    runnerName: "hangar-4cpu",
  });
  runnerId = tenant.runnerId;
  await database.db
    .updateTable("runners")
    .set({ namespace: namespace.name })
    .where("id", "=", runnerId)
    .execute();
  const github = createGitHubApp({
    apiUrl: sim.url,
    appId: sim.app.id,
    privateKeyPem: sim.app.privateKeyPem,
  });
  records = createRunnerInstanceActivities({ db: database.db });
  launch = createRunnerLaunchActivities({
    db: database.db,
    github,
    cluster: createCluster(namespace.kubeConfig),
  });
});

afterAll(async () => {
  await namespace.close();
  await Promise.all([database.close(), sim.close()]);
});

async function admitted(instanceName: string): Promise<RunnerInstanceSpec> {
  const admission = await records.admitRunnerInstance({ runnerId, instanceName });
  if (admission.kind !== "admitted") throw new Error(`refused: ${admission.reason}`);
  return admission.spec;
}

async function objects(instanceName: string) {
  const selector = `${hangarLabels.instance}=${instanceName}`;
  const [pods, secrets, runners] = await Promise.all([
    namespace.core.listNamespacedPod({ namespace: namespace.name, labelSelector: selector }),
    namespace.core.listNamespacedSecret({ namespace: namespace.name, labelSelector: selector }),
    sim.control.runners("acme"),
  ]);
  return {
    pods: pods.items,
    secrets: secrets.items,
    runners: runners.filter((runner) => runner.name === instanceName),
  };
}

/** The GitHub runner a Secret's JIT config registers. */
function registeredBy(secret: { data?: Record<string, string> }): number | undefined {
  const encoded = Buffer.from(secret.data?.["jitconfig"] ?? "", "base64").toString("utf8");
  return decodeJitConfig(encoded)?.runnerId;
}

/** What a crash after the last step but before the row was updated leaves behind. */
async function loseLaunchRecord(instanceName: string): Promise<void> {
  await database.db
    .updateTable("runner_instances")
    .set({ state: "pending", github_runner_id: null })
    .where("name", "=", instanceName)
    .execute();
}

describe("runner instance steps", () => {
  it("admit and launch once, however often they run", async () => {
    const name = "hangar-4cpu-000000000001";
    const spec = await admitted(name);
    expect(await admitted(name)).toEqual(spec);
    expect(spec).toMatchObject({
      namespace: namespace.name,
      scope: { org: "acme" },
      labels: ["hangar-4cpu", "hangar-managed"],
      image: "ghcr.io/actions/actions-runner:2.330.0",
      cpu: "4",
      memory: "16Gi",
      gpu: null,
      spot: false,
      arch: "amd64",
    });

    const first = await launch.launchRunner(spec);
    expect(first.resumed).toBe(false);
    expect(await launch.launchRunner(spec)).toEqual({
      githubRunnerId: first.githubRunnerId,
      resumed: true,
    });
    const once = await objects(name);
    expect(once.pods).toHaveLength(1);
    expect(once.secrets).toHaveLength(1);
    expect(once.runners.map((r) => r.id)).toEqual([first.githubRunnerId]);
    expect(registeredBy(once.secrets[0]!)).toBe(first.githubRunnerId);
    // The Secret goes with its Pod.
    expect(once.secrets[0]!.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Pod", name, uid: once.pods[0]!.metadata?.uid }),
    ]);

    // A crash lost the row's update: the retry registers afresh and replaces the
    // registration and its Secret; the Pod stays the same.
    await loseLaunchRecord(name);
    const retried = await launch.launchRunner(spec);
    expect(retried.resumed).toBe(false);
    const after = await objects(name);
    expect(after.pods.map((p) => p.metadata?.uid)).toEqual([once.pods[0]!.metadata?.uid]);
    expect(after.secrets).toHaveLength(1);
    expect(after.runners.map((r) => r.id)).toEqual([retried.githubRunnerId]);
    expect(registeredBy(after.secrets[0]!)).toBe(retried.githubRunnerId);
    const row = await database.db
      .selectFrom("runner_instances")
      .select(["state", "github_runner_id"])
      .where("name", "=", name)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ state: "registering", github_runner_id: BigInt(retried.githubRunnerId) });
  });

  it("adopts a registration that is already running a job instead of replacing it", async () => {
    const name = "hangar-4cpu-000000000002";
    const spec = await admitted(name);
    const first = await launch.launchRunner(spec);
    await sim.control.setRunnerBusy(name, true);
    await loseLaunchRecord(name);
    expect(await launch.launchRunner(spec)).toEqual({
      githubRunnerId: first.githubRunnerId,
      resumed: false,
    });
    expect((await objects(name)).runners.map((r) => r.id)).toEqual([first.githubRunnerId]);
    // Teardown waits while GitHub reports it busy, then removes it.
    const ref = {
      installationId: spec.installationId,
      scope: spec.scope,
      githubRunnerId: first.githubRunnerId,
      instanceName: name,
    };
    expect(await launch.removeGitHubRunner(ref)).toBe("busy");
    await sim.control.setRunnerBusy(name, false);
    expect(await launch.removeGitHubRunner(ref)).toBe("deleted");
    expect(await launch.removeGitHubRunner(ref)).toBe("not-found");
    // A registration whose id was never recorded is found by its name.
    expect(await launch.removeGitHubRunner({ ...ref, githubRunnerId: null })).toBe("not-found");
  });

  it("takes over a registration whose runner is online instead of replacing it", async () => {
    const name = "hangar-4cpu-000000000009";
    const spec = await admitted(name);
    const first = await launch.launchRunner(spec);
    const before = await objects(name);
    // The runner started from the Secret's config and came online; the row never heard.
    await sim.control.connectRunner(name);
    await loseLaunchRecord(name);
    expect(await launch.launchRunner(spec)).toEqual({
      githubRunnerId: first.githubRunnerId,
      resumed: false,
    });
    const after = await objects(name);
    expect(after.runners).toMatchObject([{ id: first.githubRunnerId, status: "online" }]);
    // The Secret the runner started from stays: nothing was registered in its place.
    expect(after.secrets.map((s) => s.metadata?.uid)).toEqual(
      before.secrets.map((s) => s.metadata?.uid),
    );
    expect(registeredBy(after.secrets[0]!)).toBe(first.githubRunnerId);
  });

  it("removes the pod and its Secret, and finishes the record, once", async () => {
    const name = "hangar-4cpu-000000000003";
    const spec = await admitted(name);
    await launch.launchRunner(spec);
    const ref = { namespace: namespace.name, instanceName: name };
    expect(await launch.removeRunnerPod(ref)).toBe("deleted");
    expect(await launch.removeRunnerPod(ref)).toBe("absent");
    const left = await objects(name);
    expect(left.pods).toEqual([]);
    expect(left.secrets).toEqual([]);
    const outcome = { kind: "failed-start" as const, reason: "the pod failed" };
    await records.finishRunnerInstance({ instanceName: name, outcome });
    await records.finishRunnerInstance({
      instanceName: name,
      outcome: { kind: "retired", registered: true },
    });
    const row = await database.db
      .selectFrom("runner_instances")
      .select(["state", "failure_reason"])
      .where("name", "=", name)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ state: "failed", failure_reason: "the pod failed" });
    expect(await records.admitRunnerInstance({ runnerId, instanceName: name })).toEqual({
      kind: "refused",
      reason: "the instance already ended (failed)",
    });
  });

  it("admits no more instances than the workspace's plan, even all at once", async () => {
    await database.db
      .updateTable("runner_instances")
      .set({ state: "terminated", terminated_at: new Date() })
      .where("runner_id", "=", runnerId)
      .where("state", "not in", ["terminated", "failed"])
      .execute();
    // 4 CPUs each, 10 CPUs in the plan: two fit.
    await database.db
      .updateTable("workspaces")
      .set({ max_cpu_millis: 10_000 })
      .where("id", "=", tenant.workspaceId)
      .execute();
    const names = [4, 5, 6, 7, 8].map((n) => `hangar-4cpu-00000000000${n}`);
    const answers = await Promise.all(
      names.map((instanceName) => records.admitRunnerInstance({ runnerId, instanceName })),
    );
    expect(answers.filter((a) => a.kind === "admitted")).toHaveLength(2);
    expect(answers.filter((a) => a.kind === "refused")).toEqual(
      Array.from({ length: 3 }, () => ({
        kind: "refused",
        reason: "the workspace's plan allows 10000m of CPU; 8000m in use and 4000m more needed",
      })),
    );
    // One ends: one more fits.
    const done = names[answers.findIndex((a) => a.kind === "admitted")]!;
    await records.finishRunnerInstance({
      instanceName: done,
      outcome: { kind: "completed", jobId: null },
    });
    expect((await records.admitRunnerInstance({ runnerId, instanceName: names[4]! })).kind).toBe(
      "admitted",
    );
  });
});
