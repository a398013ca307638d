import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, runnerPod, testNamespace, type TestNamespace } from "../src/index.js";

// The local control plane must behave like a real cluster for the runner
// provisioning code: pods are scheduled onto nodes, kwok moves them to
// Running, and owner references garbage-collect dependents.
describe("local Kubernetes control plane", () => {
  let ns: TestNamespace;
  beforeAll(async () => {
    ns = await testNamespace();
  });
  afterAll(async () => {
    await ns.close();
  });

  const running = (name: string) =>
    eventually(`pod ${name} Running`, async () => {
      const p = await ns.core.readNamespacedPod({ name, namespace: ns.name });
      return p.status?.phase === "Running" ? p : undefined;
    });

  it("schedules a pod, runs it through kwok, and garbage-collects its owned Secret", async () => {
    const created = await ns.core.createNamespacedPod({
      namespace: ns.name,
      body: runnerPod("runner-a"),
    });
    const uid = created.metadata?.uid;
    expect(uid).toBeTruthy();
    await ns.core.createNamespacedSecret({
      namespace: ns.name,
      body: {
        metadata: {
          name: "runner-a-jit",
          ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "runner-a", uid: uid ?? "" }],
        },
        stringData: { jitconfig: "opaque-config" },
      },
    });

    const p = await running("runner-a");
    expect(p.spec?.nodeName).toMatch(/^kwok-/);
    expect(p.status?.podIP).toBeTruthy();
    expect(p.status?.containerStatuses?.[0]?.state?.running).toBeDefined();

    await ns.core.deleteNamespacedPod({ name: "runner-a", namespace: ns.name });
    await eventually("pod deleted", async () =>
      ns.core
        .readNamespacedPod({ name: "runner-a", namespace: ns.name })
        .then(() => undefined)
        .catch((e: unknown) => ((e as { code?: number }).code === 404 ? true : undefined)),
    );
    await eventually("owned Secret garbage-collected", async () =>
      ns.core
        .readNamespacedSecret({ name: "runner-a-jit", namespace: ns.name })
        .then(() => undefined)
        .catch((e: unknown) => ((e as { code?: number }).code === 404 ? true : undefined)),
    );
  });

  it("terminates a pod with the exit code a test asks for", async () => {
    await ns.core.createNamespacedPod({ namespace: ns.name, body: runnerPod("runner-b") });
    await running("runner-b");
    await ns.core.patchNamespacedPod({
      name: "runner-b",
      namespace: ns.name,
      body: [
        { op: "add", path: "/metadata/annotations", value: { "hangar.dev/kwok-exit-code": "3" } },
      ],
    });
    const done = await eventually("pod failed", async () => {
      const p = await ns.core.readNamespacedPod({ name: "runner-b", namespace: ns.name });
      return p.status?.phase === "Failed" ? p : undefined;
    });
    expect(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(3);
  });

  it("places GPU pods only on GPU nodes and spot pods only on spot nodes", async () => {
    await ns.core.createNamespacedPod({
      namespace: ns.name,
      body: runnerPod("runner-gpu", {
        tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
        containers: [
          {
            name: "runner",
            image: "runner:gpu",
            resources: { requests: { "nvidia.com/gpu": "1" }, limits: { "nvidia.com/gpu": "1" } },
          },
        ],
      }),
    });
    await ns.core.createNamespacedPod({
      namespace: ns.name,
      body: runnerPod("runner-spot", { nodeSelector: { "hangar.dev/capacity-type": "spot" } }),
    });
    expect((await running("runner-gpu")).spec?.nodeName).toBe("kwok-gpu-1");
    expect((await running("runner-spot")).spec?.nodeName).toBe("kwok-spot-1");
  });

  it("leaves a pod Pending when no node can fit it", async () => {
    await ns.core.createNamespacedPod({
      namespace: ns.name,
      body: runnerPod("runner-huge", {
        containers: [{ name: "runner", image: "runner", resources: { requests: { cpu: "500" } } }],
      }),
    });
    const unschedulable = await eventually("PodScheduled=False", async () => {
      const p = await ns.core.readNamespacedPod({ name: "runner-huge", namespace: ns.name });
      return p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
    });
    expect(unschedulable.reason).toBe("Unschedulable");
  });
});
