import { eventually, runnerPod, testNamespace, type TestNamespace } from "@hangar/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "./clock.js";
import { startSimulator, type Simulator } from "./simulator.js";
import { api, installationToken } from "./testing/rest.js";

// The runner side against the real local control plane: a pod holding a JIT
// config becomes the runner GitHub sees online; a finished job makes it exit.
describe("runner side on Kubernetes", () => {
  const clock = new ManualClock();
  let ns: TestNamespace;
  let sim: Simulator;

  beforeAll(async () => {
    ns = await testNamespace();
    sim = await startSimulator({ clock, kubeConfig: ns.kubeConfig });
  });
  afterAll(async () => {
    await sim.close();
    await ns.close();
  });

  it("brings the pod's runner online, runs a job on it, and makes the pod succeed", async () => {
    const { installationId } = await sim.control.createInstallation({
      account: { login: "kube-org", type: "Organization" },
      repositories: ["app"],
    });
    const token = await installationToken(sim, installationId, clock.now());
    const jit = await api(sim, "POST", "/orgs/kube-org/actions/runners/generate-jitconfig", {
      token,
      body: { name: "pod-runner", runner_group_id: 1, labels: ["hangar-1cpu"] },
    });
    expect(jit.status).toBe(201);
    const encoded = (jit.body as { encoded_jit_config: string }).encoded_jit_config;

    const pod = await ns.core.createNamespacedPod({
      namespace: ns.name,
      body: runnerPod("pod-runner"),
    });
    await ns.core.createNamespacedSecret({
      namespace: ns.name,
      body: {
        metadata: {
          name: "pod-runner-jit",
          ownerReferences: [
            { apiVersion: "v1", kind: "Pod", name: "pod-runner", uid: pod.metadata?.uid ?? "" },
          ],
        },
        stringData: { jitconfig: encoded },
      },
    });

    await eventually("runner online", async () => {
      const [runner] = await sim.control.runners("kube-org");
      return runner?.status === "online" ? runner : undefined;
    });
    const { jobIds } = await sim.control.queueWorkflowRun({
      repository: "kube-org/app",
      jobs: [{ name: "build", labels: ["hangar-1cpu"], durationMs: 10_000 }],
    });
    const jobId = jobIds[0]!;
    expect((await sim.control.jobs()).find((j) => j.id === jobId)).toMatchObject({
      status: "in_progress",
      runnerName: "pod-runner",
    });

    clock.advance(10_000);
    await sim.control.tick();
    expect((await sim.control.jobs()).find((j) => j.id === jobId)).toMatchObject({
      status: "completed",
      conclusion: "success",
    });
    expect(await sim.control.runners("kube-org")).toEqual([]);
    const done = await eventually("pod Succeeded", async () => {
      const p = await ns.core.readNamespacedPod({ name: "pod-runner", namespace: ns.name });
      return p.status?.phase === "Succeeded" ? p : undefined;
    });
    expect(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
  });

  it("fails the running job when its pod disappears", async () => {
    const { installationId } = await sim.control.createInstallation({
      account: { login: "kube-org-2", type: "Organization" },
      repositories: ["app"],
    });
    const token = await installationToken(sim, installationId, clock.now());
    const jit = await api(sim, "POST", "/orgs/kube-org-2/actions/runners/generate-jitconfig", {
      token,
      body: { name: "doomed", runner_group_id: 1, labels: ["hangar-1cpu"] },
    });
    const encoded = (jit.body as { encoded_jit_config: string }).encoded_jit_config;
    const pod = await ns.core.createNamespacedPod({
      namespace: ns.name,
      body: runnerPod("doomed"),
    });
    await ns.core.createNamespacedSecret({
      namespace: ns.name,
      body: {
        metadata: {
          name: "doomed-jit",
          ownerReferences: [
            { apiVersion: "v1", kind: "Pod", name: "doomed", uid: pod.metadata?.uid ?? "" },
          ],
        },
        stringData: { jitconfig: encoded },
      },
    });
    await eventually("runner online", async () => {
      const [runner] = await sim.control.runners("kube-org-2");
      return runner?.status === "online" ? runner : undefined;
    });
    const { jobIds } = await sim.control.queueWorkflowRun({
      repository: "kube-org-2/app",
      jobs: [{ name: "build", labels: ["hangar-1cpu"], durationMs: 600_000 }],
    });
    await ns.core.deleteNamespacedPod({
      name: "doomed",
      namespace: ns.name,
      gracePeriodSeconds: 0,
    });
    const failed = await eventually("job failed", async () => {
      const job = (await sim.control.jobs()).find((j) => j.id === jobIds[0]);
      return job?.status === "completed" ? job : undefined;
    });
    expect(failed.conclusion).toBe("failure");
    expect((await sim.control.runners("kube-org-2"))[0]).toMatchObject({
      status: "offline",
      busy: false,
    });
  });
});
